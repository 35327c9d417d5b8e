import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, rejectsWith, containerDoc } from './helpers.js';
import { injectFault } from '../../../../src/platform/emulator/index.js';
import { HRESULT } from '../../../../src/platform/hresult.js';

test('emulator faults: the next N calls of an operation fail with the injected HRESULT', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const c = env.platform.compute;
  await injectFault(env.platform, 'createSystem', HRESULT.HCS_E_SERVICE_NOT_AVAILABLE, 2);
  await rejectsWith(c.createComputeSystem('f', containerDoc()), 'HCS_E_SERVICE_NOT_AVAILABLE');
  const e = await rejectsWith(c.createComputeSystem('f', containerDoc()), 'HCS_E_SERVICE_NOT_AVAILABLE');
  assert.match(e.message, /injected/);
  const s = await c.createComputeSystem('f', containerDoc());
  await env.platform.injectFault('startSystem', HRESULT.E_ACCESSDENIED, 1);
  await rejectsWith(s.start(), 'E_ACCESSDENIED');
  assert.equal((await s.getProperties()).State, 'Created');
  // Delay only (hresult 0).
  await env.platform.injectFault('startSystem', 0, 1, 150);
  const t0 = Date.now();
  await s.start();
  assert.ok(Date.now() - t0 >= 140);
  await env.platform.injectFault('createNamespace', HRESULT.HCN_E_MANAGER_STOPPED, 5);
  await env.platform.clearFaults('createNamespace');
  const ns = await env.platform.network.createNamespace('', {});
  assert.ok(ns.ID);
  await s.terminate();
});
