/** Reattaching a stream while the emulator service is away or its connection broke (src/platform/emulator/reattach.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HRESULT, PlatformError, type HResultName } from '../../../../src/platform/hresult.js';
import { reattach } from '../../../../src/platform/emulator/reattach.js';

const err = (n: HResultName) => new PlatformError(HRESULT[n], 'HcsOpenProcess');

/** Runs reattach over attempts that throw `failures` in turn, then succeed; returns the attempts made and what was given up. */
async function run(failures: unknown[]): Promise<{ attempts: number; gaveUp: unknown }> {
  let attempts = 0;
  let gaveUp: unknown;
  await reattach(async () => { const f = failures[attempts++]; if (f) throw f; }, () => false, (e) => { gaveUp = e; });
  return { attempts, gaveUp };
}

test('retried while the service is away, the connection broke under the request, or the error is a socket error', async () => {
  const r = await run([err('HCS_E_SERVICE_NOT_AVAILABLE'), err('HCS_E_SERVICE_DISCONNECT'), err('HCS_E_CONNECT_FAILED'), new Error('ECONNRESET')]);
  assert.deepEqual(r, { attempts: 5, gaveUp: undefined });
});

test('a lasting platform failure ends the retries at once with that error', async () => {
  const gone = err('HCS_E_PROCESS_ALREADY_STOPPED');
  assert.deepEqual(await run([err('HCS_E_SERVICE_DISCONNECT'), gone]), { attempts: 2, gaveUp: gone });
});

test('an abandoned stream stops retrying', async () => {
  let gaveUp: unknown;
  const away = err('HCS_E_CONNECTION_CLOSED');
  await reattach(async () => { throw away; }, () => true, (e) => { gaveUp = e; });
  assert.equal(gaveUp, away);
});
