/**
 * shutdownSystem (runtime/systems.ts: the system of a container whose process exited) ends the system even when
 * its graceful shutdown fails: the failure is logged and the system terminated, not left running under a container
 * reported exited. A shutdown that works is not followed by a terminate once the system exits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shutdownSystem } from '../../../src/runtime/systems.js';
import { PlatformError, HRESULT, type HResultName } from '../../../src/platform/hresult.js';
import type { SystemService } from '../../../src/platform/types.js';

/** A compute system whose shutdown fails with `shutdownFails` (or ends it), recording the calls made on it. */
function fakeCompute(shutdownFails?: HResultName): { compute: SystemService<unknown>; calls: string[] } {
  const calls: string[] = [];
  let exit!: () => void;
  const exited = new Promise<{ Status: number }>((r) => { exit = () => r({ Status: 0 }); });
  const system = {
    id: 'c1',
    waitExit: () => exited,
    shutdown: async () => {
      calls.push('shutdown');
      if (shutdownFails) throw new PlatformError(HRESULT[shutdownFails], 'HcsShutDownComputeSystem', 'injected');
      exit();
    },
    terminate: async () => { calls.push('terminate'); exit(); },
    close: () => { calls.push('close'); },
  };
  return { compute: { openComputeSystem: async () => system } as unknown as SystemService<unknown>, calls };
}

for (const hr of ['E_FAIL', 'HCS_E_OPERATION_TIMEOUT', 'E_ACCESSDENIED'] as HResultName[]) {
  test(`a graceful shutdown failing with ${hr}: the system is terminated`, async () => {
    const { compute, calls } = fakeCompute(hr);
    await shutdownSystem(compute, 'c1', 10);
    assert.deepEqual(calls, ['shutdown', 'terminate', 'close']);
  });
}

test('a graceful shutdown that ends the system: no terminate', async () => {
  const { compute, calls } = fakeCompute();
  await shutdownSystem(compute, 'c1', 10);
  assert.deepEqual(calls, ['shutdown', 'close']);
});
