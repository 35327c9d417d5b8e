/**
 * End to end over the real daemon socket: a container's lifecycle (create, start, logs, exec-sync, stats,
 * update, stop, remove), containers that exit on their own or ignore the stop signal, lifecycle events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import { call, expectCode } from './harness.js';
import { LifecycleEnv, IMAGE, criLines } from './lifecycle-env.js';

const le = LifecycleEnv.forThisFile();

test('container lifecycle: create, start, logs, exec-sync, stats, update, stop, remove', async () => {
  const pod = await le.runPod('web');
  const id = await le.createCtr(pod, 'app', ['sh', '-c', 'echo "started $FROM_IMAGE in $(pwd)"; echo to-stderr >&2; trap "echo got-term; exit 3" TERM; while true; do sleep 0.1; done'], {
    envs: [{ key: 'GREETING', value: Buffer.from('hi') }], // KeyValue.value is bytes in cri-api 1.36
    windows: { resources: { memoryLimitInBytes: 256 * 1024 * 1024, cpuMaximum: 5000 } },
  });
  let st = await call(le.d.runtime, 'ContainerStatus', { containerId: id });
  assert.equal(st.status.state, 'CONTAINER_CREATED');
  assert.equal(st.status.startedAt, '0');
  assert.equal(st.status.imageId, le.imageId);
  assert.ok(st.status.imageRef);
  assert.equal(st.status.image.image, IMAGE);
  assert.equal(st.status.annotations['io.kubernetes.container.hash'], 'abc123');
  assert.equal(st.status.resources.windows.memoryLimitInBytes, String(256 * 1024 * 1024));

  await expectCode(call(le.d.runtime, 'CreateContainer', {
    podSandboxId: pod.id, config: { metadata: { name: 'app', attempt: 0 }, image: { image: le.imageId }, command: ['true'] },
  }), Status.ALREADY_EXISTS);

  await call(le.d.runtime, 'StartContainer', { containerId: id.slice(0, 13) });
  await expectCode(call(le.d.runtime, 'StartContainer', { containerId: id }), Status.FAILED_PRECONDITION);
  st = await call(le.d.runtime, 'ContainerStatus', { containerId: id });
  assert.equal(st.status.state, 'CONTAINER_RUNNING');
  assert.ok(BigInt(st.status.startedAt) >= BigInt(st.status.createdAt));
  const logPath = st.status.logPath;
  assert.equal(logPath, join(pod.config.logDirectory, 'app', '0.log'));

  const lines = await le.waitFor('log lines', () => { const l = criLines(logPath); return l.length >= 2 ? l : undefined; });
  const out = lines.find((l) => l.stream === 'stdout')!;
  assert.equal(out.tag, 'F');
  assert.match(out.content, /^started yes in .*app$/);
  assert.match(out.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  assert.ok(lines.some((l) => l.stream === 'stderr' && l.content === 'to-stderr'));

  const ex = await call(le.d.runtime, 'ExecSync', { containerId: id, cmd: ['sh', '-c', 'echo $GREETING; echo oops >&2; exit 7'], timeout: 10 });
  assert.equal(Buffer.from(ex.stdout).toString(), 'hi\n');
  assert.equal(Buffer.from(ex.stderr).toString(), 'oops\n');
  assert.equal(ex.exitCode, 7);
  const t0 = Date.now();
  await expectCode(call(le.d.runtime, 'ExecSync', { containerId: id, cmd: ['sleep', '30'], timeout: 1 }), Status.DEADLINE_EXCEEDED);
  assert.ok(Date.now() - t0 < 10_000);

  const list = await call(le.d.runtime, 'ListContainers', { filter: { podSandboxId: pod.id.slice(0, 10), labelSelector: { tier: 'e2e' } } });
  assert.deepEqual(list.containers.map((c: { id: string }) => c.id), [id]);
  const running = await call(le.d.runtime, 'ListContainers', { filter: { state: { state: 'CONTAINER_RUNNING' } } });
  assert.ok(running.containers.some((c: { id: string }) => c.id === id));

  await new Promise((r) => setTimeout(r, 300));
  const stats = await call(le.d.runtime, 'ContainerStats', { containerId: id });
  assert.equal(stats.stats.attributes.id, id);
  assert.ok(BigInt(stats.stats.cpu.timestamp) > 0n);
  assert.ok(BigInt(stats.stats.memory.timestamp) > 0n);
  assert.ok(BigInt(stats.stats.memory.workingSetBytes.value) > 0n);
  const ls = await call(le.d.runtime, 'ListContainerStats', { filter: { labelSelector: { tier: 'e2e' } } });
  assert.ok(ls.stats.some((s: { attributes: { id: string } }) => s.attributes.id === id));
  const ps = await call(le.d.runtime, 'PodSandboxStats', { podSandboxId: pod.id });
  assert.equal(ps.stats.windows.containers.length, 1);
  const lps = await call(le.d.runtime, 'ListPodSandboxStats', {});
  assert.ok(lps.stats.some((s: { attributes: { id: string } }) => s.attributes.id === pod.id));

  await call(le.d.runtime, 'UpdateContainerResources', { containerId: id, windows: { memoryLimitInBytes: 512 * 1024 * 1024, cpuMaximum: 2500 } });
  st = await call(le.d.runtime, 'ContainerStatus', { containerId: id });
  assert.equal(st.status.resources.windows.memoryLimitInBytes, String(512 * 1024 * 1024));

  await call(le.d.runtime, 'StopContainer', { containerId: id, timeout: 10 });
  st = await call(le.d.runtime, 'ContainerStatus', { containerId: id });
  assert.equal(st.status.state, 'CONTAINER_EXITED');
  assert.equal(st.status.exitCode, 3);
  assert.equal(st.status.reason, 'Error');
  assert.ok(BigInt(st.status.finishedAt) >= BigInt(st.status.startedAt));
  assert.ok(criLines(logPath).some((l) => l.content === 'got-term'), 'graceful stop reached the process');
  await call(le.d.runtime, 'StopContainer', { containerId: id, timeout: 10 });
  await expectCode(call(le.d.runtime, 'ReopenContainerLog', { containerId: id }), Status.FAILED_PRECONDITION);

  await call(le.d.runtime, 'RemoveContainer', { containerId: id });
  await call(le.d.runtime, 'RemoveContainer', { containerId: id });
  await expectCode(call(le.d.runtime, 'ContainerStatus', { containerId: id }), Status.NOT_FOUND);
  await call(le.d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('a container that exits on its own reports Completed / Error; stop after a timeout kills', async () => {
  const pod = await le.runPod('exits');
  const ok = await le.createCtr(pod, 'ok', ['sh', '-c', 'echo done']);
  const bad = await le.createCtr(pod, 'bad', ['sh', '-c', 'exit 42']);
  const stubborn = await le.createCtr(pod, 'stubborn', ['sh', '-c', 'trap "" TERM; echo ignoring-term; while true; do sleep 0.1; done']);
  for (const id of [ok, bad, stubborn]) await call(le.d.runtime, 'StartContainer', { containerId: id });
  const okSt = await le.waitFor('ok exit', async () => {
    const s = await call(le.d.runtime, 'ContainerStatus', { containerId: ok });
    return s.status.state === 'CONTAINER_EXITED' ? s.status : undefined;
  });
  assert.equal(okSt.exitCode, 0);
  assert.equal(okSt.reason, 'Completed');
  assert.deepEqual(criLines(okSt.logPath).map((l) => `${l.stream} ${l.tag} ${l.content}`), ['stdout F done']);
  const badSt = await le.waitFor('bad exit', async () => {
    const s = await call(le.d.runtime, 'ContainerStatus', { containerId: bad });
    return s.status.state === 'CONTAINER_EXITED' ? s.status : undefined;
  });
  assert.equal(badSt.exitCode, 42);
  assert.equal(badSt.reason, 'Error');
  // SIGTERM before the shell has installed its trap would end it at once: wait until it says it ignores TERM.
  await le.waitFor('stubborn trap', async () => {
    const s = await call(le.d.runtime, 'ContainerStatus', { containerId: stubborn });
    return criLines(s.status.logPath).some((l) => l.content === 'ignoring-term') || undefined;
  });
  const t0 = Date.now();
  await call(le.d.runtime, 'StopContainer', { containerId: stubborn, timeout: 1 });
  const el = Date.now() - t0;
  assert.ok(el >= 900 && el < 15_000, `stop took ${el} ms`);
  const sSt = await call(le.d.runtime, 'ContainerStatus', { containerId: stubborn });
  assert.equal(sSt.status.state, 'CONTAINER_EXITED');
  assert.notEqual(sSt.status.exitCode, 0);
  // RemovePodSandbox removes what is left inside
  await call(le.d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
  const left = await call(le.d.runtime, 'ListContainers', { filter: { podSandboxId: pod.id } });
  assert.equal(left.containers.length, 0);
});

test('GetContainerEvents streams lifecycle events', async () => {
  const events: { containerId: string; containerEventType: string }[] = [];
  const stream = (le.d.runtime as unknown as { GetContainerEvents: (req: unknown) => NodeJS.EventEmitter & { cancel(): void } }).GetContainerEvents({});
  stream.on('data', (e: { containerId: string; containerEventType: string }) => events.push(e));
  stream.on('error', () => undefined);
  await new Promise((r) => stream.once('metadata', r)); // headers arrive once the subscription is live
  const pod = await le.runPod('events');
  const id = await le.createCtr(pod, 'e', ['sh', '-c', 'sleep 30']);
  await call(le.d.runtime, 'StartContainer', { containerId: id });
  await call(le.d.runtime, 'StopContainer', { containerId: id, timeout: 0 });
  await call(le.d.runtime, 'RemoveContainer', { containerId: id });
  await le.waitFor('events', () => events.filter((e) => e.containerId === id).length >= 4);
  assert.deepEqual(events.filter((e) => e.containerId === id).map((e) => e.containerEventType),
    ['CONTAINER_CREATED_EVENT', 'CONTAINER_STARTED_EVENT', 'CONTAINER_STOPPED_EVENT', 'CONTAINER_DELETED_EVENT']);
  stream.cancel();
  await call(le.d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});
