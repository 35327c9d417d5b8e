import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instrumentPlatform, instrumentPodNetwork } from '../../../src/daemon/metrics/index.js';
import { PlatformError, HRESULT } from '../../../src/platform/hresult.js';
import type { Platform } from '../../../src/platform/types.js';
import type { PodNetwork } from '../../../src/runtime/ports.js';

test('the platform decorator times every call, names HRESULTs, wraps returned systems and processes', async () => {
  const calls: string[] = [];
  const proc = { pid: 7, stdio: {}, terminate: async () => { throw new PlatformError(HRESULT.HCS_E_PROCESS_ALREADY_STOPPED, 'HcsTerminateProcess'); }, close: () => undefined };
  const system = { id: 's', start: async () => undefined, createProcess: async () => proc, close: () => undefined };
  const base = {
    name: 'emulator', host: { osVersion: '10.0.20348', architecture: 'amd64' },
    compute: { openComputeSystem: async () => system }, network: { queryEndpoint: async () => { throw new Error('boom'); } }, storage: {},
    close: async () => undefined,
  } as unknown as Platform;
  const p = instrumentPlatform(base, (svc, op, secs, err) => { assert.ok(secs >= 0); calls.push(`${svc}.${op}${err ? `:${err}` : ''}`); });
  assert.equal(p.name, 'emulator');
  const s = await p.compute.openComputeSystem('s');
  await s.start();
  const pr = await s.createProcess({});
  await assert.rejects(pr.terminate(), /HCS_E_PROCESS_ALREADY_STOPPED/);
  pr.close();
  await assert.rejects(p.network.queryEndpoint('e'), /boom/);
  assert.equal(pr.pid, 7);
  assert.deepEqual(calls, ['compute.openComputeSystem', 'system.start', 'system.createProcess', 'process.terminate:HCS_E_PROCESS_ALREADY_STOPPED', 'network.queryEndpoint:other']);
});

test('the pod network decorator reports ADD/DEL/CHECK with the plugin chain and outcome', async () => {
  const seen: string[] = [];
  const net = {
    status: async () => ({ ready: true }), setUp: async () => ({ ips: ['10.0.0.2'] }), tearDown: async () => { throw new Error('del failed'); },
    check: async () => undefined, gc: async () => undefined, setPodCidr: async () => undefined,
  } as unknown as PodNetwork;
  const n = instrumentPodNetwork(net, async () => 'bridge+portmap', (cmd, plugin, _s, ok) => seen.push(`${cmd} ${plugin} ${ok}`));
  assert.deepEqual(await n.setUp({} as never), { ips: ['10.0.0.2'] });
  await assert.rejects(n.tearDown({} as never), /del failed/);
  await n.check({} as never);
  assert.deepEqual(seen, ['ADD bridge+portmap true', 'DEL bridge+portmap false', 'CHECK bridge+portmap true']);
});
