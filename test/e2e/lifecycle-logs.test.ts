/** End to end over the real daemon socket: container logs across a rotation (ReopenContainerLog), long lines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync, existsSync, statSync } from 'node:fs';
import { call } from './harness.js';
import { LifecycleEnv, criLines } from './lifecycle-env.js';

const le = LifecycleEnv.forThisFile();

test('ReopenContainerLog after rotation loses nothing', async () => {
  const { pod, id, logPath: path } = await le.runningCtr('rotate', 'ticker', ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo line-$i; sleep 0.02; done']);
  await le.waitFor('some lines', () => criLines(path).length > 5);
  renameSync(path, `${path}.20261124-000000`);
  await call(le.d.runtime, 'ReopenContainerLog', { containerId: id });
  assert.ok(existsSync(path), 'the log path exists again right after reopen');
  await le.waitFor('lines in the new file', () => criLines(path).length > 5);
  await call(le.d.runtime, 'StopContainer', { containerId: id, timeout: 0 });
  const rotatedSize = statSync(`${path}.20261124-000000`).size;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(statSync(`${path}.20261124-000000`).size, rotatedSize, 'rotated file no longer grows');
  const all = [...criLines(`${path}.20261124-000000`), ...criLines(path)].map((l) => l.content);
  const nums = all.map((c) => Number(c.replace('line-', '')));
  nums.forEach((n, i) => assert.equal(n, i + 1, `line ${i + 1} present exactly once and in order`));
  await call(le.d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('long lines are split into P records and an F record', async () => {
  const pod = await le.runPod('longline');
  const id = await le.createCtr(pod, 'long', ['sh', '-c', 'head -c 40000 /dev/zero | tr "\\0" x; echo']);
  await call(le.d.runtime, 'StartContainer', { containerId: id });
  const st = await le.waitFor('exit', async () => {
    const s = await call(le.d.runtime, 'ContainerStatus', { containerId: id });
    return s.status.state === 'CONTAINER_EXITED' ? s.status : undefined;
  });
  const lines = criLines(st.logPath);
  assert.deepEqual(lines.map((l) => l.tag), ['P', 'P', 'F']);
  assert.deepEqual(lines.map((l) => l.content.length), [16384, 16384, 40000 - 32768]);
  await call(le.d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});
