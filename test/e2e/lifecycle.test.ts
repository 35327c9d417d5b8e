/**
 * End to end over the real daemon socket: pods, containers, logs, exec-sync, stats, updates, errors, and a
 * daemon kill -9 with a container that keeps running and logging.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import { probeLinuxNetworking } from '../../src/platform/emulator/service/linuxnet.js';
import { Daemon, call, expectCode, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';

const IMAGE = 'example.com/wincri/e2e:1.0';
let d: Daemon;
let imageId = '';

const waitFor = <T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> => d.waitFor(what, fn, ms);

function criLines(path: string): { ts: string; stream: string; tag: string; content: string }[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => {
    const [ts, stream, tag, ...rest] = l.split(' ');
    return { ts: ts!, stream: stream!, tag: tag!, content: rest.join(' ') };
  });
}

async function runPod(name: string) {
  const config = podConfig(name, join(d.logDir, name));
  mkdirSync(config.logDirectory, { recursive: true });
  const { podSandboxId } = await call(d.runtime, 'RunPodSandbox', { config });
  return { id: podSandboxId as string, config };
}

async function createCtr(pod: { id: string; config: unknown }, name: string, command: string[], extra: Record<string, unknown> = {}) {
  const logDir = join((pod.config as { logDirectory: string }).logDirectory, name);
  mkdirSync(logDir, { recursive: true });
  const { containerId } = await call(d.runtime, 'CreateContainer', {
    podSandboxId: pod.id,
    config: {
      metadata: { name, attempt: 0 }, image: { image: imageId, userSpecifiedImage: IMAGE }, command,
      logPath: `${name}/0.log`, labels: { 'io.kubernetes.container.name': name, tier: 'e2e' },
      annotations: { 'io.kubernetes.container.hash': 'abc123' }, ...extra,
    },
    sandboxConfig: pod.config,
  });
  return containerId as string;
}

before(async () => {
  d = new Daemon();
  await d.start();
  const tar = await buildWindowsImage({
    dir: d.dir, names: [IMAGE], format: 'oci',
    layers: [{ 'app/greeting.txt': 'hello from the image\n' }],
    config: { Cmd: ['sh', '-c', 'cat C:/app/greeting.txt'], Env: ['FROM_IMAGE=yes'], WorkingDir: 'C:\\app' },
  });
  const out = d.importImage(tar);
  imageId = out.split('\t')[0]!.trim();
  assert.match(imageId, /^sha256:[0-9a-f]{64}$/);
});

after(async () => { await d?.destroy(); });

test('Version and Status answer as kubelet requires', async () => {
  const v = await call(d.runtime, 'Version', { version: '0.1.0' });
  assert.equal(v.version, '0.1.0');
  assert.equal(v.runtimeName, 'wincri');
  assert.ok(v.runtimeVersion);
  assert.equal(v.runtimeApiVersion, 'v1');
  const st = await call(d.runtime, 'Status', { verbose: true });
  const types = st.status.conditions.map((c: { type: string }) => c.type);
  assert.deepEqual(types, ['RuntimeReady', 'NetworkReady', 'EmulatorNetworking', 'EmulatorIsolation']);
  // The emulator says whether pods get real networking, and if not why and what to install.
  const net = st.status.conditions[2];
  const canBuild = probeLinuxNetworking();
  assert.equal(net.status, canBuild.enabled, net.message);
  if (!canBuild.enabled) {
    assert.equal(net.reason, 'NoLinuxNetworking');
    assert.ok(net.message.includes(canBuild.reason) && /apt-get install iproute2 nftables/.test(net.message), net.message);
  }
  for (const [, val] of Object.entries(st.info as Record<string, string>)) assert.doesNotThrow(() => JSON.parse(val));
  const fs = await call(d.image, 'ImageFsInfo', {});
  assert.ok(BigInt(fs.imageFilesystems[0].timestamp) > 0n);
  assert.ok(fs.imageFilesystems[0].fsId.mountpoint);
});

test('images: list, status by id/tag/prefix, unknown image is empty', async () => {
  const { images } = await call(d.image, 'ListImages', {});
  assert.equal(images.length, 1);
  assert.equal(images[0].id, imageId);
  assert.deepEqual(images[0].repoTags, [IMAGE]);
  assert.ok(BigInt(images[0].size) > 0n);
  for (const ref of [imageId, IMAGE, imageId.slice('sha256:'.length, 'sha256:'.length + 12)]) {
    const st = await call(d.image, 'ImageStatus', { image: { image: ref } });
    assert.equal(st.image?.id, imageId, `ImageStatus(${ref})`);
  }
  const none = await call(d.image, 'ImageStatus', { image: { image: 'example.com/missing:latest' } });
  assert.equal(none.image, null);
});

test('pod lifecycle: run, status, list with filters, stop, remove, idempotence', async () => {
  const pod = await runPod('lifecycle');
  const st = await call(d.runtime, 'PodSandboxStatus', { podSandboxId: pod.id.slice(0, 13), verbose: true });
  assert.equal(st.status.id, pod.id);
  assert.equal(st.status.state, 'SANDBOX_READY');
  assert.deepEqual(st.status.metadata, { name: 'lifecycle', namespace: 'default', uid: 'uid-lifecycle', attempt: 0 });
  assert.equal(st.status.labels.app, 'lifecycle');
  assert.equal(st.status.annotations['kubernetes.io/config.source'], 'api');
  assert.equal(st.status.linux.namespaces.options.network, 'POD');
  assert.ok(BigInt(st.status.createdAt) > 1_600_000_000_000_000_000n);
  assert.ok(JSON.parse(st.info.info).namespaceId);

  const byId = await call(d.runtime, 'ListPodSandbox', { filter: { id: pod.id.slice(0, 8) } });
  assert.equal(byId.items.length, 1);
  const byLabel = await call(d.runtime, 'ListPodSandbox', { filter: { labelSelector: { app: 'lifecycle' } } });
  assert.deepEqual(byLabel.items.map((p: { id: string }) => p.id), [pod.id]);
  const none = await call(d.runtime, 'ListPodSandbox', { filter: { labelSelector: { app: 'lifecycle', x: 'y' } } });
  assert.equal(none.items.length, 0);

  await expectCode(call(d.runtime, 'RunPodSandbox', { config: pod.config }), Status.ALREADY_EXISTS);

  await call(d.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
  await call(d.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
  const stopped = await call(d.runtime, 'PodSandboxStatus', { podSandboxId: pod.id });
  assert.equal(stopped.status.state, 'SANDBOX_NOTREADY');
  const notReady = await call(d.runtime, 'ListPodSandbox', { filter: { state: { state: 'SANDBOX_NOTREADY' } } });
  assert.ok(notReady.items.some((p: { id: string }) => p.id === pod.id));
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
  await expectCode(call(d.runtime, 'PodSandboxStatus', { podSandboxId: pod.id }), Status.NOT_FOUND);
  // unknown ids: stop/remove succeed, status is NotFound
  await call(d.runtime, 'StopPodSandbox', { podSandboxId: '6a1e4f8e-2b1c-4a55-9a1e-0c7f6f1f2b3c' });
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: '6a1e4f8e-2b1c-4a55-9a1e-0c7f6f1f2b3c' });
  // the name is free again after remove
  const again = await runPod('lifecycle');
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: again.id });
});

test('validation errors name the field', async () => {
  const e1 = await expectCode(call(d.runtime, 'RunPodSandbox', { config: { metadata: { name: 'x', namespace: 'default' } } }), Status.INVALID_ARGUMENT);
  assert.match(e1.details, /uid/);
  const e2 = await expectCode(call(d.runtime, 'RunPodSandbox', { config: podConfig('h', '/tmp'), runtimeHandler: 'nope' }), Status.INVALID_ARGUMENT);
  assert.match(e2.details, /runtime_handler/);
  const pod = await runPod('validation');
  const e3 = await expectCode(call(d.runtime, 'CreateContainer', { podSandboxId: pod.id, config: { metadata: { name: 'c' }, image: { image: '' } } }), Status.INVALID_ARGUMENT);
  assert.match(e3.details, /image/);
  await expectCode(call(d.runtime, 'CreateContainer', {
    podSandboxId: pod.id, config: { metadata: { name: 'c' }, image: { image: 'example.com/nope:1' } },
  }), Status.NOT_FOUND);
  await expectCode(call(d.runtime, 'CreateContainer', { podSandboxId: 'f'.repeat(64), config: { metadata: { name: 'c' }, image: { image: imageId } } }), Status.NOT_FOUND);
  const e4 = await expectCode(call(d.runtime, 'CreateContainer', {
    podSandboxId: pod.id, config: { metadata: { name: 'c' }, image: { image: imageId }, windows: { resources: { cpuMaximum: 20000 } } },
  }), Status.INVALID_ARGUMENT);
  assert.match(e4.details, /cpu_maximum/);
  await expectCode(call(d.runtime, 'ContainerStatus', { containerId: 'deadbeef' }), Status.NOT_FOUND);
  await expectCode(call(d.runtime, 'ContainerStats', { containerId: 'deadbeef' }), Status.NOT_FOUND);
  await call(d.runtime, 'StopContainer', { containerId: 'deadbeef', timeout: 1 });
  await call(d.runtime, 'RemoveContainer', { containerId: 'deadbeef' });
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('container lifecycle: create, start, logs, exec-sync, stats, update, stop, remove', async () => {
  const pod = await runPod('web');
  const id = await createCtr(pod, 'app', ['sh', '-c', 'echo "started $FROM_IMAGE in $(pwd)"; echo to-stderr >&2; trap "echo got-term; exit 3" TERM; while true; do sleep 0.1; done'], {
    envs: [{ key: 'GREETING', value: Buffer.from('hi') }], // KeyValue.value is bytes in cri-api 1.36
    windows: { resources: { memoryLimitInBytes: 256 * 1024 * 1024, cpuMaximum: 5000 } },
  });
  let st = await call(d.runtime, 'ContainerStatus', { containerId: id });
  assert.equal(st.status.state, 'CONTAINER_CREATED');
  assert.equal(st.status.startedAt, '0');
  assert.equal(st.status.imageId, imageId);
  assert.ok(st.status.imageRef);
  assert.equal(st.status.image.image, IMAGE);
  assert.equal(st.status.annotations['io.kubernetes.container.hash'], 'abc123');
  assert.equal(st.status.resources.windows.memoryLimitInBytes, String(256 * 1024 * 1024));

  await expectCode(call(d.runtime, 'CreateContainer', {
    podSandboxId: pod.id, config: { metadata: { name: 'app', attempt: 0 }, image: { image: imageId }, command: ['true'] },
  }), Status.ALREADY_EXISTS);

  await call(d.runtime, 'StartContainer', { containerId: id.slice(0, 13) });
  await expectCode(call(d.runtime, 'StartContainer', { containerId: id }), Status.FAILED_PRECONDITION);
  st = await call(d.runtime, 'ContainerStatus', { containerId: id });
  assert.equal(st.status.state, 'CONTAINER_RUNNING');
  assert.ok(BigInt(st.status.startedAt) >= BigInt(st.status.createdAt));
  const logPath = st.status.logPath;
  assert.equal(logPath, join(pod.config.logDirectory, 'app', '0.log'));

  const lines = await waitFor('log lines', () => { const l = criLines(logPath); return l.length >= 2 ? l : undefined; });
  const out = lines.find((l) => l.stream === 'stdout')!;
  assert.equal(out.tag, 'F');
  assert.match(out.content, /^started yes in .*app$/);
  assert.match(out.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  assert.ok(lines.some((l) => l.stream === 'stderr' && l.content === 'to-stderr'));

  const ex = await call(d.runtime, 'ExecSync', { containerId: id, cmd: ['sh', '-c', 'echo $GREETING; echo oops >&2; exit 7'], timeout: 10 });
  assert.equal(Buffer.from(ex.stdout).toString(), 'hi\n');
  assert.equal(Buffer.from(ex.stderr).toString(), 'oops\n');
  assert.equal(ex.exitCode, 7);
  const t0 = Date.now();
  await expectCode(call(d.runtime, 'ExecSync', { containerId: id, cmd: ['sleep', '30'], timeout: 1 }), Status.DEADLINE_EXCEEDED);
  assert.ok(Date.now() - t0 < 10_000);

  const list = await call(d.runtime, 'ListContainers', { filter: { podSandboxId: pod.id.slice(0, 10), labelSelector: { tier: 'e2e' } } });
  assert.deepEqual(list.containers.map((c: { id: string }) => c.id), [id]);
  const running = await call(d.runtime, 'ListContainers', { filter: { state: { state: 'CONTAINER_RUNNING' } } });
  assert.ok(running.containers.some((c: { id: string }) => c.id === id));

  await new Promise((r) => setTimeout(r, 300));
  const stats = await call(d.runtime, 'ContainerStats', { containerId: id });
  assert.equal(stats.stats.attributes.id, id);
  assert.ok(BigInt(stats.stats.cpu.timestamp) > 0n);
  assert.ok(BigInt(stats.stats.memory.timestamp) > 0n);
  assert.ok(BigInt(stats.stats.memory.workingSetBytes.value) > 0n);
  const ls = await call(d.runtime, 'ListContainerStats', { filter: { labelSelector: { tier: 'e2e' } } });
  assert.ok(ls.stats.some((s: { attributes: { id: string } }) => s.attributes.id === id));
  const ps = await call(d.runtime, 'PodSandboxStats', { podSandboxId: pod.id });
  assert.equal(ps.stats.windows.containers.length, 1);
  const lps = await call(d.runtime, 'ListPodSandboxStats', {});
  assert.ok(lps.stats.some((s: { attributes: { id: string } }) => s.attributes.id === pod.id));

  await call(d.runtime, 'UpdateContainerResources', { containerId: id, windows: { memoryLimitInBytes: 512 * 1024 * 1024, cpuMaximum: 2500 } });
  st = await call(d.runtime, 'ContainerStatus', { containerId: id });
  assert.equal(st.status.resources.windows.memoryLimitInBytes, String(512 * 1024 * 1024));

  await call(d.runtime, 'StopContainer', { containerId: id, timeout: 10 });
  st = await call(d.runtime, 'ContainerStatus', { containerId: id });
  assert.equal(st.status.state, 'CONTAINER_EXITED');
  assert.equal(st.status.exitCode, 3);
  assert.equal(st.status.reason, 'Error');
  assert.ok(BigInt(st.status.finishedAt) >= BigInt(st.status.startedAt));
  assert.ok(criLines(logPath).some((l) => l.content === 'got-term'), 'graceful stop reached the process');
  await call(d.runtime, 'StopContainer', { containerId: id, timeout: 10 });
  await expectCode(call(d.runtime, 'ReopenContainerLog', { containerId: id }), Status.FAILED_PRECONDITION);

  await call(d.runtime, 'RemoveContainer', { containerId: id });
  await call(d.runtime, 'RemoveContainer', { containerId: id });
  await expectCode(call(d.runtime, 'ContainerStatus', { containerId: id }), Status.NOT_FOUND);
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('a container that exits on its own reports Completed / Error; stop after a timeout kills', async () => {
  const pod = await runPod('exits');
  const ok = await createCtr(pod, 'ok', ['sh', '-c', 'echo done']);
  const bad = await createCtr(pod, 'bad', ['sh', '-c', 'exit 42']);
  const stubborn = await createCtr(pod, 'stubborn', ['sh', '-c', 'trap "" TERM; echo ignoring-term; while true; do sleep 0.1; done']);
  for (const id of [ok, bad, stubborn]) await call(d.runtime, 'StartContainer', { containerId: id });
  const okSt = await waitFor('ok exit', async () => {
    const s = await call(d.runtime, 'ContainerStatus', { containerId: ok });
    return s.status.state === 'CONTAINER_EXITED' ? s.status : undefined;
  });
  assert.equal(okSt.exitCode, 0);
  assert.equal(okSt.reason, 'Completed');
  assert.deepEqual(criLines(okSt.logPath).map((l) => `${l.stream} ${l.tag} ${l.content}`), ['stdout F done']);
  const badSt = await waitFor('bad exit', async () => {
    const s = await call(d.runtime, 'ContainerStatus', { containerId: bad });
    return s.status.state === 'CONTAINER_EXITED' ? s.status : undefined;
  });
  assert.equal(badSt.exitCode, 42);
  assert.equal(badSt.reason, 'Error');
  // SIGTERM before the shell has installed its trap would end it at once: wait until it says it ignores TERM.
  await waitFor('stubborn trap', async () => {
    const s = await call(d.runtime, 'ContainerStatus', { containerId: stubborn });
    return criLines(s.status.logPath).some((l) => l.content === 'ignoring-term') || undefined;
  });
  const t0 = Date.now();
  await call(d.runtime, 'StopContainer', { containerId: stubborn, timeout: 1 });
  const el = Date.now() - t0;
  assert.ok(el >= 900 && el < 15_000, `stop took ${el} ms`);
  const sSt = await call(d.runtime, 'ContainerStatus', { containerId: stubborn });
  assert.equal(sSt.status.state, 'CONTAINER_EXITED');
  assert.notEqual(sSt.status.exitCode, 0);
  // RemovePodSandbox removes what is left inside
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
  const left = await call(d.runtime, 'ListContainers', { filter: { podSandboxId: pod.id } });
  assert.equal(left.containers.length, 0);
});

test('ReopenContainerLog after rotation loses nothing', async () => {
  const pod = await runPod('rotate');
  const id = await createCtr(pod, 'ticker', ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo line-$i; sleep 0.02; done']);
  await call(d.runtime, 'StartContainer', { containerId: id });
  const st = await call(d.runtime, 'ContainerStatus', { containerId: id });
  const path = st.status.logPath as string;
  await waitFor('some lines', () => criLines(path).length > 5);
  renameSync(path, `${path}.20261124-000000`);
  await call(d.runtime, 'ReopenContainerLog', { containerId: id });
  assert.ok(existsSync(path), 'the log path exists again right after reopen');
  await waitFor('lines in the new file', () => criLines(path).length > 5);
  await call(d.runtime, 'StopContainer', { containerId: id, timeout: 0 });
  const rotatedSize = statSync(`${path}.20261124-000000`).size;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(statSync(`${path}.20261124-000000`).size, rotatedSize, 'rotated file no longer grows');
  const all = [...criLines(`${path}.20261124-000000`), ...criLines(path)].map((l) => l.content);
  const nums = all.map((c) => Number(c.replace('line-', '')));
  nums.forEach((n, i) => assert.equal(n, i + 1, `line ${i + 1} present exactly once and in order`));
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('long lines are split into P records and an F record', async () => {
  const pod = await runPod('longline');
  const id = await createCtr(pod, 'long', ['sh', '-c', 'head -c 40000 /dev/zero | tr "\\0" x; echo']);
  await call(d.runtime, 'StartContainer', { containerId: id });
  const st = await waitFor('exit', async () => {
    const s = await call(d.runtime, 'ContainerStatus', { containerId: id });
    return s.status.state === 'CONTAINER_EXITED' ? s.status : undefined;
  });
  const lines = criLines(st.logPath);
  assert.deepEqual(lines.map((l) => l.tag), ['P', 'P', 'F']);
  assert.deepEqual(lines.map((l) => l.content.length), [16384, 16384, 40000 - 32768]);
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('daemon kill -9: the container keeps running and logging; restart reconciles', async () => {
  const pod = await runPod('survivor');
  const id = await createCtr(pod, 'counter', ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.05; done']);
  await call(d.runtime, 'StartContainer', { containerId: id });
  const st = await call(d.runtime, 'ContainerStatus', { containerId: id });
  const path = st.status.logPath as string;
  await waitFor('ticks', () => criLines(path).length > 3);
  await d.kill9();
  const during = criLines(path).length;
  await new Promise((r) => setTimeout(r, 800));
  assert.ok(criLines(path).length > during + 5, 'the log keeps growing while the daemon is down');
  await d.start();
  const after = await call(d.runtime, 'ContainerStatus', { containerId: id });
  assert.equal(after.status.state, 'CONTAINER_RUNNING');
  const pods = await call(d.runtime, 'PodSandboxStatus', { podSandboxId: pod.id });
  assert.equal(pods.status.state, 'SANDBOX_READY');
  const ex = await call(d.runtime, 'ExecSync', { containerId: id, cmd: ['sh', '-c', 'echo alive'], timeout: 5 });
  assert.equal(Buffer.from(ex.stdout).toString(), 'alive\n');
  await call(d.runtime, 'StopContainer', { containerId: id, timeout: 2 });
  const ticks = criLines(path).map((l) => Number(l.content.replace('tick-', '')));
  ticks.forEach((n, i) => assert.equal(n, i + 1, 'no tick lost or duplicated across the daemon kill'));
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('GetContainerEvents streams lifecycle events', async () => {
  const events: { containerId: string; containerEventType: string }[] = [];
  const stream = (d.runtime as unknown as { GetContainerEvents: (req: unknown) => NodeJS.EventEmitter & { cancel(): void } }).GetContainerEvents({});
  stream.on('data', (e: { containerId: string; containerEventType: string }) => events.push(e));
  stream.on('error', () => undefined);
  await new Promise((r) => stream.once('metadata', r)); // headers arrive once the subscription is live
  const pod = await runPod('events');
  const id = await createCtr(pod, 'e', ['sh', '-c', 'sleep 30']);
  await call(d.runtime, 'StartContainer', { containerId: id });
  await call(d.runtime, 'StopContainer', { containerId: id, timeout: 0 });
  await call(d.runtime, 'RemoveContainer', { containerId: id });
  await waitFor('events', () => events.filter((e) => e.containerId === id).length >= 4);
  assert.deepEqual(events.filter((e) => e.containerId === id).map((e) => e.containerEventType),
    ['CONTAINER_CREATED_EVENT', 'CONTAINER_STARTED_EVENT', 'CONTAINER_STOPPED_EVENT', 'CONTAINER_DELETED_EVENT']);
  stream.cancel();
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('unimplemented RPCs say what is missing; metrics RPCs answer', async () => {
  const e = await expectCode(call(d.runtime, 'CheckpointContainer', { containerId: 'x' }), Status.UNIMPLEMENTED);
  assert.match(e.details, /checkpoint/i);
  const md = await call(d.runtime, 'ListMetricDescriptors', {});
  assert.ok(md.descriptors.length > 0);
  await call(d.runtime, 'ListPodSandboxMetrics', {});
  const rc = await call(d.runtime, 'RuntimeConfig', {});
  assert.equal(rc.linux, null);
  await call(d.runtime, 'UpdateRuntimeConfig', { runtimeConfig: { networkConfig: { podCidr: '10.244.1.0/24' } } });
});
