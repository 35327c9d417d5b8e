/**
 * End to end: graceful daemon shutdown keeps containers, restart reconciliation (orphans on either side are
 * reported and cleaned, exits that happened while down are applied), rollback on platform failures, and the
 * container's view of its pod (hostname, mounts, working directory).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import { Daemon, call, expectCode, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';
import { createEmulatorPlatform } from '../../src/platform/emulator/index.js';
import { HRESULT } from '../../src/platform/hresult.js';
import { buildNamespace } from '../../src/platform/hcn/document/index.js';
import { isolationFacts } from '../../src/platform/emulator/service/isolation.js';

let d: Daemon;
let imageId = '';

async function runPod(name: string, extra: Record<string, unknown> = {}) {
  const config = podConfig(name, join(d.logDir, name), extra);
  mkdirSync(config.logDirectory, { recursive: true });
  const { podSandboxId } = await call(d.runtime, 'RunPodSandbox', { config });
  return { id: podSandboxId as string, config };
}

async function startCtr(pod: { id: string; config: { logDirectory: string } }, name: string, command: string[], extra: Record<string, unknown> = {}) {
  mkdirSync(join(pod.config.logDirectory, name), { recursive: true });
  const { containerId } = await call(d.runtime, 'CreateContainer', {
    podSandboxId: pod.id,
    config: { metadata: { name }, image: { image: imageId }, command, logPath: `${name}/0.log`, ...extra },
  });
  await call(d.runtime, 'StartContainer', { containerId });
  return containerId as string;
}

async function state(id: string): Promise<string> {
  return (await call(d.runtime, 'ContainerStatus', { containerId: id })).status.state;
}

before(async () => {
  d = new Daemon('wincri-recovery');
  await d.start();
  const tar = await buildWindowsImage({
    dir: d.dir, names: ['example.com/wincri/recovery:1'], format: 'docker',
    layers: [{ 'app/data.txt': 'from-layer\n', 'app/tools/x.txt': 'x' }],
    config: { WorkingDir: 'C:\\app', Cmd: ['sh'] },
  });
  imageId = d.importImage(tar).split('\t')[0]!.trim();
});

after(async () => { await d?.destroy(); });

test('the container sees its pod hostname, its mounts and its image files', async () => {
  const pod = await runPod('viewer');
  const hostDir = join(d.dir, 'hostvol');
  mkdirSync(hostDir, { recursive: true });
  writeFileSync(join(hostDir, 'f.txt'), 'from-host\n');
  const hostFile = join(d.dir, 'termination-log');
  writeFileSync(hostFile, '');
  const id = await startCtr(pod, 'v', ['sh', '-c', 'sleep 100000'], {
    mounts: [
      { containerPath: 'c:/data', hostPath: hostDir, readonly: true },
      { containerPath: 'c:/dev/termination-log', hostPath: hostFile },
    ],
  });
  const ex = await call(d.runtime, 'ExecSync', { containerId: id, cmd: ['sh', '-c', 'cat data.txt; cat ../data/f.txt; echo done > ../dev/termination-log'], timeout: 10 });
  assert.equal(Buffer.from(ex.stderr).toString(), '');
  assert.equal(Buffer.from(ex.stdout).toString(), 'from-layer\nfrom-host\n');
  assert.equal(readFileSync(hostFile, 'utf8'), 'done\n', 'single-file mount writes reach the host file');
  if (process.getuid?.() === 0) {
    const h = await call(d.runtime, 'ExecSync', { containerId: id, cmd: ['hostname'], timeout: 10 });
    assert.equal(Buffer.from(h.stdout).toString().trim(), 'viewer', 'each container has its own UTS namespace with the pod hostname');
  }
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('SIGTERM stops the daemon gracefully; containers keep running and their exits are applied on restart', async () => {
  const pod = await runPod('graceful');
  const long = await startCtr(pod, 'long', ['sh', '-c', 'sleep 100000']);
  const short = await startCtr(pod, 'short', ['sh', '-c', 'sleep 1; exit 5']);
  await d.stop(); // SIGTERM
  assert.equal(d.proc!.exitCode, 0, 'clean exit on SIGTERM');
  await new Promise((r) => setTimeout(r, 2000)); // `short` exits while the daemon is down
  await d.start();
  assert.equal(await state(long), 'CONTAINER_RUNNING');
  const s = await call(d.runtime, 'ContainerStatus', { containerId: short });
  assert.equal(s.status.state, 'CONTAINER_EXITED');
  assert.equal(s.status.exitCode, 5);
  assert.equal(s.status.reason, 'Error');
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('the emulator service killed while a container runs: the container\'s exit code 7 still reaches ContainerStatus', {
  skip: isolationFacts().Enabled ? false : 'the exit status files come with isolation (root)',
}, async () => {
  const pod = await runPod('emukill');
  const ctr = await startCtr(pod, 'seven', ['sh', '-c', 'while [ ! -e /go ]; do sleep 0.05; done; exit 7']);
  const old = Number(readFileSync(join(d.root, 'emulator', 'service.pid'), 'utf8').trim());
  process.kill(old, 'SIGKILL');
  const gone = () => { try { process.kill(old, 0); return false; } catch { return true; } };
  for (const deadline = Date.now() + 10_000; !gone();) {
    assert.ok(Date.now() < deadline, 'the emulator service did not die');
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(await state(ctr), 'CONTAINER_RUNNING');
  // The exec goes through a new service, which re-adopted the container's process (no longer its child).
  await call(d.runtime, 'ExecSync', { containerId: ctr, cmd: ['sh', '-c', 'touch /go'], timeout: 30 });
  let st = await call(d.runtime, 'ContainerStatus', { containerId: ctr });
  for (const deadline = Date.now() + 30_000; st.status.state !== 'CONTAINER_EXITED';) {
    assert.ok(Date.now() < deadline, `the container's exit was not reported: ${st.status.state}`);
    await new Promise((r) => setTimeout(r, 50));
    st = await call(d.runtime, 'ContainerStatus', { containerId: ctr });
  }
  assert.equal(st.status.exitCode, 7);
  assert.equal(st.status.reason, 'Error');
  assert.notEqual(Number(readFileSync(join(d.root, 'emulator', 'service.pid'), 'utf8').trim()), old);
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('restart reconciles: orphaned compute systems and namespaces are removed, lost containers marked exited', async () => {
  const pod = await runPod('reconcile');
  const victim = await startCtr(pod, 'victim', ['sh', '-c', 'sleep 100000']);
  await d.kill9();
  // While the daemon is down: a compute system and namespace appear that no record owns, and the victim's
  // compute system is terminated behind the runtime's back.
  const platform = await createEmulatorPlatform({ stateDir: join(d.root, 'emulator') });
  try {
    const orphan = await platform.compute.createComputeSystem('0'.repeat(63) + '1', {
      Owner: 'wincri', SchemaVersion: { Major: 2, Minor: 1 }, ShouldTerminateOnLastHandleClosed: false, Container: {},
    });
    await orphan.start();
    orphan.close();
    const sys = await platform.compute.openComputeSystem(victim);
    const exited = sys.waitExit();
    await sys.terminate();
    await exited;
    sys.close();
  } finally {
    await platform.close();
  }
  await d.start();
  const after = await call(d.runtime, 'ContainerStatus', { containerId: victim });
  assert.equal(after.status.state, 'CONTAINER_EXITED');
  assert.notEqual(after.status.exitCode, 0);
  const p2 = await createEmulatorPlatform({ stateDir: join(d.root, 'emulator') });
  try {
    const systems = await p2.compute.enumerateComputeSystems({ Owners: ['wincri'] });
    assert.ok(!systems.some((s) => s.Id === '0'.repeat(63) + '1'), 'the orphaned compute system was removed');
    // A namespace wincri does not know about is left alone (it may belong to someone else).
    await p2.network.createNamespace('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', buildNamespace());
  } finally {
    await p2.close();
  }
  await d.stop();
  await d.start();
  const p3 = await createEmulatorPlatform({ stateDir: join(d.root, 'emulator') });
  try {
    const ns = await p3.network.enumerateNamespaces();
    assert.ok(ns.some((n) => n.ID?.toLowerCase() === 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'), 'foreign namespace kept');
    await p3.network.deleteNamespace('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
  } finally {
    await p3.close();
  }
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('a platform failure during RunPodSandbox / StartContainer is rolled back and reported', async () => {
  const platform = await createEmulatorPlatform({ stateDir: join(d.root, 'emulator') });
  try {
    const before = (await platform.network.enumerateNamespaces()).length;
    await platform.injectFault('createNamespace', HRESULT.HCN_E_MANAGER_STOPPED, 1);
    const config = podConfig('faulty', join(d.logDir, 'faulty'));
    const e = await expectCode(call(d.runtime, 'RunPodSandbox', { config }), Status.UNAVAILABLE);
    assert.match(e.details, /HCN_E_MANAGER_STOPPED/);
    assert.equal((await platform.network.enumerateNamespaces()).length, before, 'no namespace leaked');
    // the name was released: the same pod can be created now
    const pod = await runPod('faulty');
    await platform.injectFault('startSystem', HRESULT.HCS_E_SERVICE_NOT_AVAILABLE, 1);
    mkdirSync(join(pod.config.logDirectory, 'c'), { recursive: true });
    const { containerId } = await call(d.runtime, 'CreateContainer', {
      podSandboxId: pod.id, config: { metadata: { name: 'c' }, image: { image: imageId }, command: ['sh', '-c', 'sleep 100000'], logPath: 'c/0.log' },
    });
    await expectCode(call(d.runtime, 'StartContainer', { containerId }), Status.UNAVAILABLE);
    const st = await call(d.runtime, 'ContainerStatus', { containerId });
    assert.equal(st.status.state, 'CONTAINER_EXITED');
    assert.equal(st.status.reason, 'StartError');
    assert.match(st.status.message, /HCS_E_SERVICE_NOT_AVAILABLE/);
    await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
    const systems = await platform.compute.enumerateComputeSystems({ Ids: [containerId] });
    assert.equal(systems.length, 0, 'compute system removed with the container');
  } finally {
    await platform.close();
  }
});

test('RemoveImage refuses while a container uses the image, also after a daemon kill -9 (uses come from the records)', async () => {
  const pod = await runPod('imguse');
  const id = await startCtr(pod, 'u', ['sh', '-c', 'sleep 100000']);
  await expectCode(call(d.image, 'RemoveImage', { image: { image: imageId } }), Status.FAILED_PRECONDITION);
  await d.kill9();
  await d.start();
  const e = await expectCode(call(d.image, 'RemoveImage', { image: { image: imageId } }), Status.FAILED_PRECONDITION);
  assert.match(e.details, new RegExp(`in use by container ${id}`));
  await call(d.runtime, 'RemoveContainer', { containerId: id });
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
  const st = await call(d.image, 'ImageStatus', { image: { image: imageId } });
  assert.equal(st.image.id, imageId);
});
