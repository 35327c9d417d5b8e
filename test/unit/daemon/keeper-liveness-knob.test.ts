/** WINCRI_KEEPER_LIVENESS_TIMEOUT_MS (tests) sets the daemon's keeper liveness timeout; pings go out 4 times per timeout, 2 s apart at most. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keeperLiveness } from '../../../src/daemon/keeper-deadlines.js';

test('keeper liveness: the client defaults without the variable or with a bad value; its timeout and a ping interval with it', () => {
  assert.deepEqual(keeperLiveness({}), {});
  assert.deepEqual(keeperLiveness({ WINCRI_KEEPER_LIVENESS_TIMEOUT_MS: '' }), {});
  // Not whole ms in 1000..600000: a timer of 2^31 ms or more fires after 1 ms in Node, a tiny one kills a busy keeper.
  for (const bad of ['0', '-5', 'soon', 'Infinity', '1e10', '0.5', '999', '2500.5', '600001']) {
    const warned: string[] = [];
    assert.deepEqual(keeperLiveness({ WINCRI_KEEPER_LIVENESS_TIMEOUT_MS: bad }, (m) => warned.push(m)), {}, bad);
    assert.match(warned.join(), /ignored: it must be a whole number of ms from 1000 to 600000/, bad);
  }
  assert.deepEqual(keeperLiveness({ WINCRI_KEEPER_LIVENESS_TIMEOUT_MS: '3000' }), { livenessTimeoutMs: 3000, livenessIntervalMs: 750 });
  assert.deepEqual(keeperLiveness({ WINCRI_KEEPER_LIVENESS_TIMEOUT_MS: '60000' }), { livenessTimeoutMs: 60000, livenessIntervalMs: 2000 });
});
