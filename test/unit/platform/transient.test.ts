/** Which platform failures can pass (src/platform/transient.ts), the one list the emulator's reattach and the IO keeper's takeover retry on. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlatformError, HRESULT, type HResultName } from '../../../src/platform/hresult.js';
import { serviceAway, connectionLost, canPass } from '../../../src/platform/transient.js';

const err = (n: HResultName) => new PlatformError(HRESULT[n], 'op');
const AWAY: HResultName[] = ['HCS_E_SERVICE_NOT_AVAILABLE', 'HCS_E_CONNECTION_CLOSED', 'E_ACCESSDENIED'];
const LOST: HResultName[] = ['HCS_E_SERVICE_DISCONNECT'];
const TIMED_OUT: HResultName[] = ['HCS_E_OPERATION_TIMEOUT', 'HCS_E_CONNECTION_TIMEOUT'];
// HCS_E_CONNECT_FAILED: HCS could not reach a container's or VM's guest; the service itself answered
const LASTING: HResultName[] = ['HCS_E_CONNECT_FAILED', 'HCS_E_SYSTEM_NOT_FOUND', 'HCS_E_INVALID_JSON', 'E_INVALIDARG', 'HCS_E_INVALID_STATE', 'ERROR_FILE_NOT_FOUND'];

test('the service away: not running, connection closed, access refused while it comes back', () => {
  for (const n of AWAY) assert.equal(serviceAway(err(n)), true, n);
  for (const n of [...LOST, ...TIMED_OUT, ...LASTING]) assert.equal(serviceAway(err(n)), false, n);
  assert.equal(serviceAway(new Error('ECONNRESET')), false, 'only platform errors');
});

test('can pass: away, the connection lost, or timed out; nothing else', () => {
  for (const n of LOST) assert.equal(connectionLost(err(n)), true, n);
  for (const n of [...AWAY, ...TIMED_OUT, ...LASTING]) assert.equal(connectionLost(err(n)), false, n);
  for (const n of [...AWAY, ...LOST, ...TIMED_OUT]) assert.equal(canPass(err(n)), true, n);
  for (const n of LASTING) assert.equal(canPass(err(n)), false, n);
  assert.equal(canPass(new Error('boom')), false);
  assert.equal(serviceAway(new PlatformError(0xc0370114, 'legacy')), true, "legacy vmcompute's 0xC037 form of HCS_E_SERVICE_NOT_AVAILABLE");
});

