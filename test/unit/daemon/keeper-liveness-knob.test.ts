/** WINCRI_KEEPER_LIVENESS_TIMEOUT_MS (tests) sets the daemon's keeper liveness timeout; pings go out 4 times per timeout, 2 s apart at most. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keeperLiveness } from '../../../src/daemon/keeper-deadlines.js';

test('keeper liveness: the client defaults without the variable or with a bad value; its timeout and a ping interval with it', () => {
  assert.deepEqual(keeperLiveness({}), {});
  for (const bad of ['', '0', '-5', 'soon']) assert.deepEqual(keeperLiveness({ WINCRI_KEEPER_LIVENESS_TIMEOUT_MS: bad }), {}, bad);
  assert.deepEqual(keeperLiveness({ WINCRI_KEEPER_LIVENESS_TIMEOUT_MS: '3000' }), { livenessTimeoutMs: 3000, livenessIntervalMs: 750 });
  assert.deepEqual(keeperLiveness({ WINCRI_KEEPER_LIVENESS_TIMEOUT_MS: '60000' }), { livenessTimeoutMs: 60000, livenessIntervalMs: 2000 });
});
