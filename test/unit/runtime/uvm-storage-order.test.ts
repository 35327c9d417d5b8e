/**
 * The storage of a container hosted in a utility VM, in the order hcsshim makes it (internal/layers/wcow_mount.go):
 * the layers shared over VSMB, the VM granted access to the scratch VHDX, the scratch attached over SCSI, the layers
 * combined on its guest mount (CombinedLayers), and only then the hosted system created; nothing mounted on the
 * host. RemoveContainer undoes it in reverse; a failure in the middle of CreateContainer undoes what was done. The
 * real runtime on the emulator, whose platform calls are recorded on their way (run under the network lock).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { runtimeEnv, sandboxConfig, containerConfig, type RuntimeEnv } from '../../helpers/runtime-env.js';
import { buildBaseLayerWithUtilityVm } from '../../helpers/image-builder.js';
import type { ComputeSystem, ComputeService, StorageService } from '../../../src/platform/types.js';
import type { ComputeSystemDoc, ModifySettingRequestDoc } from '../../../src/platform/hcs/schema/index.js';
import { PlatformError, HRESULT } from '../../../src/platform/hresult.js';

let env: RuntimeEnv;
const log: string[] = [];
const combines: unknown[] = [];
const hostedStorage: (string | undefined)[] = [];
let failOn: string | undefined;

function step(what: string): void {
  log.push(what);
  if (failOn === what) { failOn = undefined; throw new PlatformError(HRESULT.E_FAIL, 'test', `injected failure at ${what}`); }
}

function classify(r: ModifySettingRequestDoc): string | undefined {
  const g = r.GuestRequest as { ResourceType?: string; RequestType?: string; Settings?: unknown } | undefined;
  if (!r.ResourcePath && g?.ResourceType === 'CombinedLayers') { combines.push(g.Settings); return `combine-${g.RequestType}`; }
  if (r.ResourcePath?.endsWith('VirtualSmb/Shares')) return `vsmb-${r.RequestType}`;
  if (r.ResourcePath?.includes('/Scsi/')) return `scsi-${r.RequestType}`;
  return undefined;
}

function recording(compute: ComputeService, storage: StorageService): { compute: ComputeService; storage: StorageService } {
  const wrap = (s: ComputeSystem): ComputeSystem => new Proxy(s, {
    get: (t, k) => (k === 'modify'
      ? async (r: ModifySettingRequestDoc) => { const c = classify(r); if (c) step(c); return t.modify(r); }
      : Reflect.get(t, k, t) as unknown),
  });
  return {
    compute: new Proxy(compute, {
      get: (t, k) => {
        if (k === 'grantVmAccess') return async (vm: string, path: string) => { step(`grant ${path.split(/[\\/]/).pop()}`); return t.grantVmAccess(vm, path); };
        if (k === 'openComputeSystem') return async (id: string) => wrap(await t.openComputeSystem(id));
        if (k === 'createComputeSystem') {
          return async (id: string, doc: ComputeSystemDoc) => {
            if (doc.HostedSystem) { step('create-hosted'); hostedStorage.push(doc.HostedSystem.Container?.Storage?.Path); }
            return wrap(await t.createComputeSystem(id, doc));
          };
        }
        const v = Reflect.get(t, k, t) as unknown;
        return typeof v === 'function' ? v.bind(t) : v;
      },
    }),
    storage: new Proxy(storage, {
      get: (t, k) => {
        if (k === 'attachLayerStorageFilter') return async (p: string, d: unknown) => { step('host-mount'); return t.attachLayerStorageFilter(p, d as never); };
        const v = Reflect.get(t, k, t) as unknown;
        return typeof v === 'function' ? v.bind(t) : v;
      },
    }),
  };
}

before(async () => {
  env = await runtimeEnv({
    streaming: false, rawLayers: [buildBaseLayerWithUtilityVm({ 'Windows/build.txt': '20348\n' })],
    runtimeHandlers: { hv: { isolation: 'hyperv', utilityVm: { memoryMiB: 256, processorCount: 1, memoryOverheadMiB: 0, processorOverhead: 0 } } },
    wrap: recording,
  });
});
after(async () => { await env.close(); });

test('create: VSMB → grant → SCSI → combine, no host mount; start creates the hosted system on the combined root; remove reverses', async () => {
  const podId = await env.runtime.runPodSandbox(sandboxConfig('hv-order', env.logDir), 'hv');
  const warm = await env.runtime.createContainer(podId, containerConfig('warm', env.imageId, ['sleep', '100000']));
  await env.runtime.removeContainer(warm); // the VM boots with the first container; its own steps are not looked at
  log.length = 0;
  combines.length = 0;
  const id = await env.runtime.createContainer(podId, containerConfig('c', env.imageId, ['sleep', '100000']));
  assert.deepEqual(log, ['vsmb-Add', 'grant sandbox.vhdx', 'scsi-Add', 'combine-Add']);
  const c = env.runtime.mustContainer(id);
  assert.equal(c.storagePath, c.scratchPath, 'the scratch has no host volume');
  const rec = env.runtime.getSandbox(podId).utilityVm!.scsi!.find((r) => r.containerId === id)!;
  assert.equal(rec.combine, 'done');
  const settings = combines[0] as { ContainerRootPath: string; Layers: { Id: string; Path: string }[] };
  assert.equal(settings.ContainerRootPath, rec.guestPath);
  assert.deepEqual(settings.Layers.map((l) => l.Id), c.layers.map((l) => l.id));
  assert.ok(settings.Layers.every((l) => l.Path.startsWith('\\\\?\\VMSMB\\')), JSON.stringify(settings.Layers));
  log.length = 0;
  await env.runtime.startContainer(id);
  assert.deepEqual(log, ['create-hosted'], 'everything is in place at start: only the hosted system is created');
  assert.deepEqual(hostedStorage, [rec.guestPath]);
  log.length = 0;
  await env.runtime.removeContainer(id);
  assert.deepEqual(log, ['combine-Remove', 'scsi-Remove', 'vsmb-Remove']);
  assert.equal(existsSync(c.scratchPath), false);
});

for (const [n, at] of ['grant sandbox.vhdx', 'scsi-Add', 'combine-Add'].entries()) {
  test(`a failure at ${at} undoes what CreateContainer did before it`, async () => {
    const podId = env.runtime.listPodSandbox().find((p) => p.config.metadata.name === 'hv-order')!.id;
    log.length = 0;
    failOn = at;
    await assert.rejects(env.runtime.createContainer(podId, containerConfig(`f${n}`, env.imageId, ['sleep', '1'])), /injected failure/);
    const done = log.indexOf(at);
    const undo = log.slice(done + 1);
    const expected = { 'grant sandbox.vhdx': ['vsmb-Remove'], 'scsi-Add': ['vsmb-Remove'], 'combine-Add': ['scsi-Remove', 'vsmb-Remove'] }[at];
    assert.deepEqual(undo, expected, `steps: ${log.join(', ')}`);
    const vm = env.runtime.getSandbox(podId).utilityVm!;
    assert.deepEqual(vm.scsi ?? [], []);
    assert.deepEqual(vm.vsmb ?? [], []);
    assert.equal(env.runtime.listContainers().length, 0);
    assert.ok(!log.includes('host-mount'));
  });
}
