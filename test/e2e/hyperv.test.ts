/**
 * Hyper-V isolation end to end on the emulator, over the real daemon socket: RuntimeClass handlers from the
 * configuration (unknown → InvalidArgument naming them), a pod of the hypervisor handler whose utility VM boots
 * from the image's UtilityVM files and hosts its containers (one PID namespace), a VM that survives a daemon
 * kill -9, StopPodSandbox ending the containers' processes and the VM; and the OS-build rule: an older image
 * pulled for Hyper-V runs there but is refused for a process-isolated pod with HCS_E_IMAGE_MISMATCH; a hosted
 * container's layers and mounts reach it as VSMB shares of the VM (a layer shared once by the pod's containers),
 * removed with the container that used them last, also after a daemon restart; its scratch is a SCSI disk of the
 * VM (the root's writes land in it), detached at RemoveContainer; a gMSA container in a Hyper-V pod gets its
 * credential guard instance over HvSocket with the instance's service opened in the VM, both removed with the
 * container (also after a daemon restart).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import { Daemon, call, expectCode, podConfig } from './harness.js';
import { startRegistry, makeImage, Pusher, type Registry } from '../helpers/registry.js';
import { buildBaseLayerWithUtilityVm } from '../helpers/image-builder.js';
import { createEmulatorPlatform, type EmulatorPlatform } from '../../src/platform/emulator/index.js';
import { isolationFacts } from '../../src/platform/emulator/service/isolation.js';
import { CREDENTIAL_GUARD_QUERY } from '../../src/platform/hcs/document/index.js';
import type { ContainerCredentialGuardSystemInfoDoc, ContainerDoc } from '../../src/platform/hcs/schema/index.js';
import { CREDENTIAL_SPEC_TEXT } from '../helpers/credential-spec.js';

const HV = 'runhcs-wcow-hypervisor';
let d: Daemon;
let reg: Registry;
let emu: EmulatorPlatform;
const OLD = makeImage({ osVersion: '10.0.17763.1', rawLayers: [buildBaseLayerWithUtilityVm({ 'Windows/build.txt': '17763\n' })] });
const PLAIN = makeImage({ osVersion: '10.0.20348.1', layers: [{ 'Windows/build.txt': 'no utility VM\n' }] });
const CUR = makeImage({ osVersion: '10.0.20348.1', rawLayers: [buildBaseLayerWithUtilityVm({ 'Windows/build.txt': '20348\n' })] });
const ref = (name: string) => `${reg.host}/e2e/${name}:1`;

before(async () => {
  reg = await startRegistry();
  const push = new Pusher({ url: reg.url });
  await push.image('e2e/old', '1', OLD);
  await push.image('e2e/cur', '1', CUR);
  await push.image('e2e/plain', '1', PLAIN);
  d = new Daemon('wincri-hyperv');
  appendFileSync(d.configFile, `registries:\n  "${reg.host}":\n    insecure: true\n`);
  await d.start();
  emu = await createEmulatorPlatform({ stateDir: join(d.root, 'emulator') });
});

after(async () => {
  await emu?.close();
  await d?.destroy();
  await reg?.stop();
});

async function runPod(name: string, runtimeHandler: string, extra: Record<string, unknown> = {}) {
  const config = podConfig(name, join(d.logDir, name), extra);
  mkdirSync(config.logDirectory, { recursive: true });
  const { podSandboxId } = await call(d.runtime, 'RunPodSandbox', { config, runtimeHandler });
  return { id: podSandboxId as string, config };
}

async function createCtr(pod: { id: string; config: { logDirectory: string } }, name: string, image: string, extra: Record<string, unknown> = {}) {
  mkdirSync(join(pod.config.logDirectory, name), { recursive: true });
  const { containerId } = await call(d.runtime, 'CreateContainer', {
    podSandboxId: pod.id, sandboxConfig: pod.config,
    config: { metadata: { name, attempt: 0 }, image: { image }, command: ['sh', '-c', `exec sleep 1000${name.length}`], logPath: `${name}/0.log`, ...extra },
  });
  return containerId as string;
}

/** The emulator's view of a compute system (undefined once it is gone). */
async function system(id: string) {
  return (await emu.compute.enumerateComputeSystems({ Ids: [id] }))[0];
}

interface Share { Name: string; Path: string; Options?: { ReadOnly?: boolean; TakeBackupPrivilege?: boolean } }
/** The VSMB shares a utility VM has for hosted containers (`s<n>`; not the VM's own boot share), from the emulator's records. */
function emulatorRecords() {
  return JSON.parse(readFileSync(join(d.root, 'emulator', 'records', 'systems.json'), 'utf8')) as
    { id: string; vsmb?: Record<string, string>; document: {
      VirtualMachine?: { Devices?: { VirtualSmb?: { Shares?: Share[] }; HvSocket?: { HvSocketConfig?: { ServiceTable?: Record<string, unknown> } } } };
      HostedSystem?: { Container?: ContainerDoc };
    } }[];
}
function containerShares(vmId: string): Share[] {
  const vm = emulatorRecords().find((s) => s.id === vmId);
  return (vm?.document.VirtualMachine?.Devices?.VirtualSmb?.Shares ?? []).filter((s) => /^s[0-9a-f]+$/.test(s.Name));
}

async function exec(id: string, script: string) {
  const r = await call(d.runtime, 'ExecSync', { containerId: id, cmd: ['sh', '-c', script], timeout: 20 });
  return { out: Buffer.from(r.stdout).toString(), err: Buffer.from(r.stderr).toString(), code: r.exitCode as number };
}

test('Status and the config list the handlers; an unknown handler is InvalidArgument naming the configured ones', async () => {
  const st = await call(d.runtime, 'Status', {});
  assert.deepEqual(st.runtimeHandlers.map((h: { name: string }) => h.name), ['', 'runhcs-wcow-process', HV]);
  const e = await expectCode(call(d.runtime, 'RunPodSandbox', { config: podConfig('nope', join(d.logDir, 'nope')), runtimeHandler: 'kata' }), Status.INVALID_ARGUMENT);
  assert.match(e.details, /runtime_handler "kata" is not configured; configured handlers: "" \(default, process\), "runhcs-wcow-process" \(process\), "runhcs-wcow-hypervisor" \(hyperv\)/);
});

test('a Hyper-V pod: the utility VM boots with the first container, hosts all of them, and stops with the pod', async () => {
  // An older build pulls only for Hyper-V isolation (the puller selects by the handler's isolation).
  await expectCode(call(d.image, 'PullImage', { image: { image: ref('old') } }), Status.FAILED_PRECONDITION);
  const { imageRef } = await call(d.image, 'PullImage', { image: { image: ref('old'), runtimeHandler: HV } });
  assert.equal(imageRef, OLD.id);

  const pod = await runPod('hv', HV, { linux: { resources: { memoryLimitInBytes: String(512 * 1024 * 1024) } } });
  const vmId = `${pod.id}@vm`;
  assert.equal(await system(vmId), undefined, 'no VM before the first container');
  const a = await createCtr(pod, 'a', imageRef);
  const vm = await system(vmId);
  assert.equal(vm?.SystemType, 'VirtualMachine');
  assert.equal(vm?.State, 'Running');
  const cg = isolationFacts().Cgroups;
  if (cg) {
    // Sized from the pod's resources (512 MiB) plus the handler's default overhead (256 MiB), enforced by its cgroup.
    const limit = readFileSync(join(cg.Roots[0]!, encodeURIComponent(vmId), cg.Version === 2 ? 'memory.max' : 'memory.limit_in_bytes'), 'utf8').trim();
    assert.equal(limit, String(768 * 1024 * 1024));
  }
  const b = await createCtr(pod, 'bb', imageRef);
  for (const id of [a, b]) await call(d.runtime, 'StartContainer', { containerId: id });
  for (const id of [a, b]) {
    assert.equal((await call(d.runtime, 'ContainerStatus', { containerId: id })).status.state, 'CONTAINER_RUNNING');
    assert.equal((await system(id))?.HostingSystemId, vmId);
  }
  // One VM, one PID namespace: container a sees b's process.
  const ps = await call(d.runtime, 'ExecSync', { containerId: a, cmd: ['sh', '-c', 'ps -e -o args='], timeout: 10 });
  assert.match(Buffer.from(ps.stdout).toString(), /sleep 10002/, 'the other container\'s process is visible inside the VM');
  // The pod's stats are the VM's: the CPU and memory of the processes of its hosted containers are accounted.
  await call(d.runtime, 'ExecSync', { containerId: a, cmd: ['sh', '-c', 'sh -c "while :; do :; done" >/dev/null 2>&1 &'], timeout: 10 });
  const stats = await d.waitFor('the VM to account the burner\'s CPU', async () => {
    const s = (await call(d.runtime, 'PodSandboxStats', { podSandboxId: pod.id })).stats;
    return BigInt(s.windows.cpu.usageCoreNanoSeconds?.value ?? 0) > 0n ? s : undefined;
  }, 20_000);
  assert.ok(BigInt(stats.windows.memory.workingSetBytes.value) > 0n, JSON.stringify(stats.windows.memory));

  // kill -9 of the daemon: the VM is the pod's, not an orphan; everything keeps running.
  await d.kill9();
  await d.start();
  assert.equal((await system(vmId))?.State, 'Running');
  assert.equal((await call(d.runtime, 'PodSandboxStatus', { podSandboxId: pod.id })).status.state, 'SANDBOX_READY');
  assert.equal((await call(d.runtime, 'ContainerStatus', { containerId: b })).status.state, 'CONTAINER_RUNNING');

  const pids = (await Promise.all([a, b].map(async (id) => {
    const c = await emu.compute.openComputeSystem(id);
    try { return ((await c.getProperties({ PropertyTypes: ['ProcessList'] })).ProcessList ?? []).map((p) => p.ProcessId!); } finally { c.close(); }
  }))).flat();
  assert.ok(pids.length >= 2, `processes inside the VM: ${pids.join(', ')}`);
  await call(d.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
  for (const id of [a, b]) assert.equal((await call(d.runtime, 'ContainerStatus', { containerId: id })).status.state, 'CONTAINER_EXITED');
  const gone = (pid: number) => { try { process.kill(pid, 0); return false; } catch { return true; } };
  await d.waitFor('the containers\' processes to end', () => pids.every(gone), 20_000);
  await d.waitFor('the utility VM to be gone', async () => (await system(vmId)) === undefined || (await system(vmId))?.State === 'Stopped', 20_000);
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
  assert.equal(await system(vmId), undefined);
});

test('an image without UtilityVM files cannot boot a Hyper-V pod: FailedPrecondition saying so', async () => {
  const { imageRef } = await call(d.image, 'PullImage', { image: { image: ref('plain'), runtimeHandler: HV } });
  const pod = await runPod('hv-plain', HV);
  const e = await expectCode(createCtr(pod, 'p', imageRef), Status.FAILED_PRECONDITION);
  assert.match(e.details, /no UtilityVM folder in its base layer/);
  assert.equal(await system(`${pod.id}@vm`), undefined);
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('OS build rule: the older image is refused for a process-isolated pod with HCS_E_IMAGE_MISMATCH and both builds', async () => {
  const { imageRef } = await call(d.image, 'PullImage', { image: { image: ref('old'), runtimeHandler: HV } });
  const pod = await runPod('proc', '');
  const e = await expectCode(createCtr(pod, 'x', imageRef), Status.FAILED_PRECONDITION);
  assert.match(e.details, /HCS_E_IMAGE_MISMATCH \(0x80370101\)/);
  assert.match(e.details, /10\.0\.17763\.1/);
  assert.match(e.details, /10\.0\.20348/);
  // The host's own build runs process-isolated in the same pod.
  const cur = (await call(d.image, 'PullImage', { image: { image: ref('cur') } })).imageRef;
  const id = await createCtr(pod, 'y', cur);
  await call(d.runtime, 'StartContainer', { containerId: id });
  assert.equal((await system(id))?.HostingSystemId, undefined);
  await call(d.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('a hosted container\'s layer and mounts are VSMB shares of the VM, shared once per folder and removed with their last container', async () => {
  const { imageRef } = await call(d.image, 'PullImage', { image: { image: ref('cur'), runtimeHandler: HV } });
  const pod = await runPod('hv-vsmb', HV);
  const vmId = `${pod.id}@vm`;
  const roDir = join(d.root, 'vsmb-ro');
  const rwDir = join(d.root, 'vsmb-rw');
  for (const x of [roDir, rwDir]) mkdirSync(x, { recursive: true });
  writeFileSync(join(roDir, 'in.txt'), 'mapped\n');
  const v = await createCtr(pod, 'v', imageRef, { mounts: [
    { containerPath: 'C:\\ro', hostPath: roDir, readonly: true },
    { containerPath: 'C:\\data', hostPath: rwDir, readonly: false },
  ] });
  const shares = containerShares(vmId);
  assert.equal(shares.length, 3, `one share for the image's layer and one per mount: ${JSON.stringify(shares)}`);
  const layer = shares.find((s) => existsSync(join(s.Path, 'Files', 'Windows', 'build.txt')));
  assert.ok(layer, 'the image layer folder is shared');
  assert.equal(layer.Options?.ReadOnly, true);
  assert.equal(layer.Options?.TakeBackupPrivilege, true);
  assert.equal(shares.find((s) => s.Path === roDir)?.Options?.ReadOnly, true, 'a read-only mount is a read-only share');
  assert.equal(shares.find((s) => s.Path === rwDir)?.Options?.ReadOnly, undefined, 'a read-write mount is a writable share');

  // A second container of the pod on the same image uses the same layer share.
  const w = await createCtr(pod, 'ww', imageRef);
  assert.deepEqual(containerShares(vmId), shares);
  for (const id of [v, w]) await call(d.runtime, 'StartContainer', { containerId: id });
  // The hosted document named the shares' guest paths, not the host folders.
  const guest = (s: Share | undefined) => `\\\\?\\VMSMB\\VSMB-{dcc079ae-60ba-4d07-847c-3493609c0870}\\${s?.Name ?? '?'}`;
  assert.deepEqual(emulatorRecords().find((s) => s.id === v)?.vsmb, {
    'Storage.Layers[0].Path': guest(layer),
    'MappedDirectories[0].HostPath': guest(shares.find((s) => s.Path === roDir)),
    'MappedDirectories[1].HostPath': guest(shares.find((s) => s.Path === rwDir)),
  });
  assert.deepEqual(emulatorRecords().find((s) => s.id === w)?.vsmb, { 'Storage.Layers[0].Path': guest(layer) });
  assert.equal((await exec(v, 'cat /Windows/build.txt')).out, '20348\n');
  assert.equal((await exec(w, 'cat /Windows/build.txt')).out, '20348\n');
  assert.equal((await exec(v, 'cat /ro/in.txt')).out, 'mapped\n');
  assert.equal((await exec(v, 'echo yes > /data/new.txt')).code, 0);
  assert.equal(readFileSync(join(rwDir, 'new.txt'), 'utf8'), 'yes\n');
  if (isolationFacts().Enabled) {
    const ro = await exec(v, 'echo no > /ro/new.txt');
    assert.notEqual(ro.code, 0);
    assert.match(ro.err, /Read-only/i);
    assert.equal(existsSync(join(roDir, 'new.txt')), false, 'the read-only mount stays read-only');
  }

  // The shares are on the pod's persisted record: after a kill -9 the restarted daemon removes the same ones.
  await d.kill9();
  await d.start();
  await call(d.runtime, 'RemoveContainer', { containerId: v });
  assert.deepEqual(containerShares(vmId), [layer], 'v\'s mounts leave the VM; the layer w uses stays');
  assert.equal((await exec(w, 'cat /Windows/build.txt')).out, '20348\n');
  await call(d.runtime, 'RemoveContainer', { containerId: w });
  assert.deepEqual(containerShares(vmId), []);
  assert.equal((await system(vmId))?.State, 'Running', 'RemoveContainer removes shares, not the VM');
  await call(d.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

/** The credential guard instance `id` as the compute service lists it (undefined once it is removed). */
async function guardInstance(id: string) {
  const [info] = await emu.compute.queryServiceProperties(CREDENTIAL_GUARD_QUERY) as ContainerCredentialGuardSystemInfoDoc[];
  return info?.Instances?.find((i) => i.Id === id);
}
const serviceTable = (vmId: string) => emulatorRecords().find((s) => s.id === vmId)?.document.VirtualMachine?.Devices?.HvSocket?.HvSocketConfig?.ServiceTable ?? {};

test('gMSA in a Hyper-V pod: an HvSocket instance whose service the VM opens, both removed with the container, also after a daemon restart', async () => {
  await call(d.image, 'PullImage', { image: { image: ref('cur'), runtimeHandler: HV } });
  const pod = await runPod('hv-gmsa', HV);
  const vmId = `${pod.id}@vm`;
  const gmsa = { windows: { securityContext: { credentialSpec: CREDENTIAL_SPEC_TEXT, runAsUsername: 'ContainerUser' } } };
  const id = await createCtr(pod, 'gmsa', ref('cur'), gmsa);
  const inst = await guardInstance(id);
  assert.equal(inst?.CredentialGuard?.Transport, 'HvSocket');
  assert.equal(inst?.CredentialGuard?.CredentialSpec, CREDENTIAL_SPEC_TEXT);
  const serviceId = inst?.HvSocketConfig?.ServiceId;
  assert.ok(serviceId, 'an HvSocket instance comes with an HvSocket service');
  assert.deepEqual(serviceTable(vmId)[serviceId], inst?.HvSocketConfig?.ServiceConfig, 'the VM opened the instance\'s service');
  await call(d.runtime, 'StartContainer', { containerId: id });
  assert.equal((await call(d.runtime, 'ContainerStatus', { containerId: id })).status.state, 'CONTAINER_RUNNING');
  assert.equal((await exec(id, 'echo domain-joined')).out, 'domain-joined\n');
  const hosted = emulatorRecords().find((s) => s.id === id)?.document.HostedSystem?.Container;
  assert.deepEqual(hosted?.ContainerCredentialGuard, inst?.CredentialGuard, 'the hosted container names the instance');
  await call(d.runtime, 'RemoveContainer', { containerId: id });
  assert.equal(await guardInstance(id), undefined);
  assert.equal(serviceTable(vmId)[serviceId], undefined, 'the VM\'s service entry goes with the instance');

  // Created, then a daemon kill -9: the restarted daemon still closes the service and removes the instance.
  const id2 = await createCtr(pod, 'gmsa2', ref('cur'), gmsa);
  const service2 = (await guardInstance(id2))?.HvSocketConfig?.ServiceId;
  assert.ok(service2 && serviceTable(vmId)[service2]);
  await d.kill9();
  await d.start();
  await call(d.runtime, 'RemoveContainer', { containerId: id2 });
  assert.equal(await guardInstance(id2), undefined);
  assert.equal(serviceTable(vmId)[service2], undefined);
  assert.equal((await system(vmId))?.State, 'Running', 'RemoveContainer removes the service, not the VM');
  await call(d.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});

test('a hosted container\'s scratch is a SCSI disk of the VM: its root writes land in the scratch, RemoveContainer detaches it', async () => {
  const { imageRef } = await call(d.image, 'PullImage', { image: { image: ref('cur'), runtimeHandler: HV } });
  const pod = await runPod('hv-scsi', HV);
  const vmId = `${pod.id}@vm`;
  const attachments = () => {
    const vm = emulatorRecords().find((s) => s.id === vmId) as { document: { VirtualMachine?: { Devices?: { Scsi?: Record<string, { Attachments?: Record<string, { Path: string }> }> } } } } | undefined;
    return Object.entries(vm?.document.VirtualMachine?.Devices?.Scsi?.['df6d0690-79e5-55b6-a5ec-c1e2f77f580a']?.Attachments ?? {}).filter(([lun]) => lun !== '0');
  };
  const id = await createCtr(pod, 's', imageRef);
  const disks = attachments();
  assert.equal(disks.length, 1, `the container's scratch is attached: ${JSON.stringify(disks)}`);
  const [lun, disk] = disks[0]!;
  assert.equal(lun, '1', 'LUN 0 is the VM\'s own scratch');
  assert.match(disk.Path, new RegExp(`${id}[\\\\/]sandbox\\.vhdx$`));
  await call(d.runtime, 'StartContainer', { containerId: id });
  const hosted = emulatorRecords().find((s) => s.id === id) as { scsiStorage?: string } | undefined;
  assert.equal(hosted?.scsiStorage, 'C:\\mounts\\scsi\\m0', 'the hosted document named the guest mount of its scratch');
  assert.equal((await exec(id, 'echo scratch > /written.txt && cat /Windows/build.txt')).out, '20348\n');
  assert.equal(readFileSync(join(disk.Path.replace(/[\\/]sandbox\.vhdx$/, ''), 'Files', 'written.txt'), 'utf8'), 'scratch\n');
  // The attachment is on the pod's persisted record: after a kill -9 the restarted daemon detaches the same LUN.
  await d.kill9();
  await d.start();
  await call(d.runtime, 'RemoveContainer', { containerId: id });
  assert.deepEqual(attachments(), [], 'RemoveContainer detaches the scratch');
  assert.equal((await system(vmId))?.State, 'Running');
  await call(d.runtime, 'StopPodSandbox', { podSandboxId: pod.id });
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId: pod.id });
});
