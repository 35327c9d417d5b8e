/** End to end over the real daemon socket: a daemon kill -9 with a container that keeps running and logging. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from './harness.js';
import { LifecycleEnv, criLines } from './lifecycle-env.js';

const le = LifecycleEnv.forThisFile();

test('daemon kill -9: the container keeps running and logging; restart reconciles', async () => {
  const { pod, id, logPath: path } = await le.runningCtr('survivor', 'counter', ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.05; done']);
  await le.waitFor('ticks', () => criLines(path).length > 3);
  await le.d.kill9();
  const during = criLines(path).length;
  await new Promise((r) => setTimeout(r, 800));
  assert.ok(criLines(path).length > during + 5, 'the log keeps growing while the daemon is down');
  await le.d.start();
  const after = await call(le.d.runtime, 'ContainerStatus', { containerId: id });
  assert.equal(after.status.state, 'CONTAINER_RUNNING');
  const pods = await call(le.d.runtime, 'PodSandboxStatus', { podSandboxId: pod.id });
  assert.equal(pods.status.state, 'SANDBOX_READY');
  const ex = await call(le.d.runtime, 'ExecSync', { containerId: id, cmd: ['sh', '-c', 'echo alive'], timeout: 5 });
  assert.equal(Buffer.from(ex.stdout).toString(), 'alive\n');
  await call(le.d.runtime, 'StopContainer', { containerId: id, timeout: 2 });
  const ticks = criLines(path).map((l) => Number(l.content.replace('tick-', '')));
  ticks.forEach((n, i) => assert.equal(n, i + 1, 'no tick lost or duplicated across the daemon kill'));
  await call(le.d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});
