/**
 * shutdownSystem (runtime/systems.ts: the system of a container whose process exited) ends the system even when
 * its graceful shutdown fails: the failure is logged and the system terminated, not left running under a container
 * reported exited — at once when the platform refused the ask, after the timeout when the ask got no answer (it may
 * have been delivered: a system that stops by itself then is not terminated). A shutdown that works is not followed
 * by a terminate once the system exits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shutdownSystem } from '../../../src/runtime/systems.js';
import { PlatformError, HRESULT, type HResultName } from '../../../src/platform/hresult.js';
import type { SystemService } from '../../../src/platform/types.js';

/**
 * A compute system whose shutdown fails with `shutdownFails` (or ends it), recording the calls made on it;
 * `deliveredAnyway`: the failed shutdown ends the system all the same (an ask whose answer was lost).
 */
function fakeCompute(shutdownFails?: HResultName, deliveredAnyway = false): { compute: SystemService<unknown>; calls: string[] } {
  const calls: string[] = [];
  let exit!: () => void;
  const exited = new Promise<{ Status: number }>((r) => { exit = () => r({ Status: 0 }); });
  const system = {
    id: 'c1',
    waitExit: () => exited,
    shutdown: async () => {
      calls.push('shutdown');
      if (deliveredAnyway) setImmediate(exit);
      if (shutdownFails) throw new PlatformError(HRESULT[shutdownFails], 'HcsShutDownComputeSystem', 'injected');
      exit();
    },
    terminate: async () => { calls.push('terminate'); exit(); },
    close: () => { calls.push('close'); },
  };
  return { compute: { openComputeSystem: async () => system } as unknown as SystemService<unknown>, calls };
}

for (const hr of ['E_FAIL', 'E_ACCESSDENIED'] as HResultName[]) {
  test(`a graceful shutdown failing with ${hr}: the system is terminated`, async () => {
    const { compute, calls } = fakeCompute(hr);
    await shutdownSystem(compute, 'c1', 10);
    assert.deepEqual(calls, ['shutdown', 'terminate', 'close']);
  });
}

// No answer (timed out, cut off): the ask may have been delivered, as the IO keeper counts it (platform/shutdown-ask.ts).
for (const hr of ['HCS_E_OPERATION_TIMEOUT', 'HCS_E_SERVICE_DISCONNECT'] as HResultName[]) {
  test(`a graceful shutdown failing with ${hr} that took effect: the system stops by itself, no terminate`, async () => {
    const { compute, calls } = fakeCompute(hr, true);
    await shutdownSystem(compute, 'c1', 10);
    assert.deepEqual(calls, ['shutdown', 'close']);
  });

  test(`a graceful shutdown failing with ${hr} that did not take effect: the system is terminated after the timeout`, async () => {
    const { compute, calls } = fakeCompute(hr);
    await shutdownSystem(compute, 'c1', 1);
    assert.deepEqual(calls, ['shutdown', 'terminate', 'close']);
  });
}

test('a graceful shutdown that ends the system: no terminate', async () => {
  const { compute, calls } = fakeCompute();
  await shutdownSystem(compute, 'c1', 10);
  assert.deepEqual(calls, ['shutdown', 'close']);
});
