/**
 * Windows workload settings end to end on the emulator: a gMSA container gets a credential guard instance that
 * lives and dies with it (also across a daemon restart), a malformed credential spec is an InvalidArgument naming
 * what is wrong, devices are accepted by class GUID / instance path and refused otherwise, and rootfs_size_in_bytes
 * grows the container's scratch. (Read-only mounts and live resource updates: isolation.test.ts.)
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import { Daemon, call, expectCode, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';
import { CREDENTIAL_SPEC, CREDENTIAL_SPEC_TEXT } from '../helpers/credential-spec.js';
import { createEmulatorPlatform, type EmulatorPlatform } from '../../src/platform/emulator/index.js';
import { credentialGuardState, CREDENTIAL_GUARD_QUERY } from '../../src/platform/hcs/document/index.js';
import { isolationFacts } from '../../src/platform/emulator/service/isolation.js';

const facts = isolationFacts();

const IMAGE = 'example.com/wincri/workloads:1.0';
let d: Daemon;
let emu: EmulatorPlatform;
let imageId = '';
let pod: { id: string; config: ReturnType<typeof podConfig> };

async function instance(id: string) {
  return credentialGuardState(await emu.compute.queryServiceProperties(CREDENTIAL_GUARD_QUERY), id);
}

function create(name: string, extra: Record<string, unknown> = {}) {
  mkdirSync(join(pod.config.logDirectory, name), { recursive: true });
  return call(d.runtime, 'CreateContainer', {
    podSandboxId: pod.id,
    config: { metadata: { name, attempt: 0 }, image: { image: imageId }, command: ['sleep', '300'], logPath: `${name}/0.log`, ...extra },
    sandboxConfig: pod.config,
  }).then((r) => r.containerId as string);
}

before(async () => {
  d = new Daemon('wincri-workloads');
  await d.start();
  const tar = await buildWindowsImage({ dir: d.dir, names: [IMAGE], format: 'oci', layers: [{ 'app/a.txt': 'a\n' }], config: { Cmd: ['sleep', '300'] } });
  imageId = d.importImage(tar).split('\t')[0]!.trim();
  emu = await createEmulatorPlatform({ stateDir: join(d.root, 'emulator'), spawnService: false });
  const config = podConfig('workloads', join(d.logDir, 'workloads'));
  mkdirSync(config.logDirectory, { recursive: true });
  pod = { id: (await call(d.runtime, 'RunPodSandbox', { config })).podSandboxId, config };
});

after(async () => {
  await emu?.close();
  await d?.destroy();
});

test('gMSA: a valid credential spec gets a credential guard instance that is removed with the container, also after a daemon restart', async () => {
  const gmsa = { windows: { securityContext: { credentialSpec: CREDENTIAL_SPEC_TEXT, runAsUsername: 'ContainerUser' } } };
  const id = await create('gmsa', gmsa);
  const state = await instance(id);
  assert.ok(state, 'the instance exists once CreateContainer returned');
  assert.equal(state.CredentialSpec, CREDENTIAL_SPEC_TEXT);
  assert.equal(state.Transport, 'LRPC');
  await call(d.runtime, 'StartContainer', { containerId: id });
  const r = await call(d.runtime, 'ExecSync', { containerId: id, cmd: ['sh', '-c', 'echo domain-joined'], timeout: 20 });
  assert.equal(Buffer.from(r.stdout).toString(), 'domain-joined\n');
  assert.equal((await call(d.runtime, 'ContainerStatus', { containerId: id })).status.state, 'CONTAINER_RUNNING');
  await call(d.runtime, 'StopContainer', { containerId: id, timeout: 0 });
  assert.ok(await instance(id), 'a stopped container keeps its instance until it is removed');
  await call(d.runtime, 'RemoveContainer', { containerId: id });
  assert.equal(await instance(id), undefined);

  // The instance of a created container survives a daemon restart, and RemoveContainer still removes it.
  const id2 = await create('gmsa-restart', gmsa);
  assert.ok(await instance(id2));
  await d.stop();
  await d.start();
  await call(d.runtime, 'RemoveContainer', { containerId: id2 });
  assert.equal(await instance(id2), undefined);
});

test('gMSA: malformed specs are InvalidArgument naming what is wrong, and leave nothing behind', async () => {
  const before = (await call(d.runtime, 'ListContainers', {})).containers.length;
  const bad = async (spec: string, message: RegExp) => {
    const e = await expectCode(create('bad-gmsa', { windows: { securityContext: { credentialSpec: spec } } }), Status.INVALID_ARGUMENT);
    assert.match(e.details, message);
  };
  await bad('{"CmsPlugins": [', /credential_spec: not valid JSON/);
  const { Sid: _sid, ...noSid } = CREDENTIAL_SPEC.DomainJoinConfig;
  await bad(JSON.stringify({ ...CREDENTIAL_SPEC, DomainJoinConfig: noSid }), /DomainJoinConfig is missing Sid/);
  await bad(JSON.stringify({ ...CREDENTIAL_SPEC, CmsPlugins: [] }), /CmsPlugins/);
  assert.equal((await call(d.runtime, 'ListContainers', {})).containers.length, before);
  const left = (await emu.compute.queryServiceProperties(CREDENTIAL_GUARD_QUERY))[0] as { Instances?: unknown[] };
  assert.deepEqual(left.Instances ?? [], []);
});

test('gMSA: a credential guard failure rolls CreateContainer back completely', async () => {
  const count = async () => (await call(d.runtime, 'ListContainers', {})).containers.length;
  const before = await count();
  const gmsa = { windows: { securityContext: { credentialSpec: CREDENTIAL_SPEC_TEXT } } };
  // The instance is added, then the service fails to list it: the half-made instance is removed again.
  await emu.injectFault('queryServiceProperties', 0x80004005, 1);
  await assert.rejects(create('gmsa-fault', gmsa));
  await emu.injectFault('modifyServiceSettings', 0x80004005, 1);
  await assert.rejects(create('gmsa-fault', gmsa));
  assert.equal(await count(), before);
  const left = (await emu.compute.queryServiceProperties(CREDENTIAL_GUARD_QUERY))[0] as { Instances?: unknown[] };
  assert.deepEqual(left.Instances ?? [], []);
  // The name was released: the same container can be created once the service works again.
  const id = await create('gmsa-fault', gmsa);
  assert.ok(await instance(id));
  await call(d.runtime, 'RemoveContainer', { containerId: id });
});

test('devices by class GUID or instance path start; other forms are refused naming the device', async () => {
  const id = await create('devices', { devices: [
    { containerPath: '', hostPath: 'class/5B45201D-F2F2-4F3B-85BB-30FF1F953599', permissions: '' },
    { containerPath: '', hostPath: 'vpci-location-path://PCIROOT(0)#PCI(0100)', permissions: '' },
  ] });
  await call(d.runtime, 'StartContainer', { containerId: id });
  assert.equal((await call(d.runtime, 'ContainerStatus', { containerId: id })).status.state, 'CONTAINER_RUNNING');
  await call(d.runtime, 'RemoveContainer', { containerId: id });
  const e = await expectCode(create('bad-device', { devices: [{ containerPath: '/dev/nvidia0', hostPath: '/dev/nvidia0', permissions: 'rwm' }] }), Status.INVALID_ARGUMENT);
  assert.match(e.details, /devices\[0\]\.host_path "\/dev\/nvidia0"/);
});

test('rootfs_size_in_bytes grows the scratch before the container starts; ContainerStatus reports the resources', async () => {
  const size = 40 * 1024 ** 3;
  const id = await create('rootfs', { windows: { resources: { rootfsSizeInBytes: size, memoryLimitInBytes: 256 * 1024 * 1024, cpuMaximum: 2500 } } });
  const st = await call(d.runtime, 'ContainerStatus', { containerId: id, verbose: true });
  const scratch = (JSON.parse(st.info.info) as { scratchPath: string }).scratchPath;
  assert.equal(readFileSync(join(scratch, 'sandbox.size'), 'utf8'), String(size));
  assert.equal(st.status.resources.windows.rootfsSizeInBytes, String(size));
  await call(d.runtime, 'StartContainer', { containerId: id });
  await call(d.runtime, 'UpdateContainerResources', { containerId: id, windows: { memoryLimitInBytes: 128 * 1024 * 1024, cpuCount: 1 } });
  const after = (await call(d.runtime, 'ContainerStatus', { containerId: id })).status.resources.windows;
  assert.equal(after.memoryLimitInBytes, String(128 * 1024 * 1024));
  assert.equal(after.cpuCount, '1');
  await call(d.runtime, 'RemoveContainer', { containerId: id });
});

test('single-file mounts appear at their container path; read-only ones cannot be written', { skip: facts.Enabled ? false : `emulator cannot isolate here: ${facts.Reason}` }, async () => {
  const roFile = join(d.dir, 'app.conf');
  const rwFile = join(d.dir, 'termination-log');
  writeFileSync(roFile, 'mode=prod\n');
  writeFileSync(rwFile, '');
  const id = await create('files', { mounts: [
    { containerPath: 'C:\\etc-app\\app.conf', hostPath: roFile, readonly: true },
    { containerPath: 'C:\\dev\\termination-log', hostPath: rwFile, readonly: false },
  ] });
  await call(d.runtime, 'StartContainer', { containerId: id });
  const sh = async (script: string) => {
    const r = await call(d.runtime, 'ExecSync', { containerId: id, cmd: ['sh', '-c', script], timeout: 20 });
    return { out: Buffer.from(r.stdout).toString(), err: Buffer.from(r.stderr).toString(), code: r.exitCode as number };
  };
  assert.equal((await sh('cat /etc-app/app.conf')).out, 'mode=prod\n');
  const ro = await sh('echo mode=dev > /etc-app/app.conf');
  assert.notEqual(ro.code, 0);
  assert.match(ro.err, /Read-only/i);
  assert.equal(readFileSync(roFile, 'utf8'), 'mode=prod\n');
  assert.equal((await sh('echo bye > /dev/termination-log')).code, 0);
  assert.equal(readFileSync(rwFile, 'utf8'), 'bye\n');
  await call(d.runtime, 'RemoveContainer', { containerId: id });
});
