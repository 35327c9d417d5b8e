/** Reattaching a stream while the emulator service is away or its connection broke (src/platform/emulator/reattach.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HRESULT, PlatformError, type HResultName } from '../../../../src/platform/hresult.js';
import { reattach } from '../../../../src/platform/emulator/reattach.js';
import { serviceLost } from '../../../../src/platform/emulator/connection-errors.js';
import { reopenKeptStdin } from '../../../../src/platform/emulator/kept-stdin.js';
import type { EmulatorClient } from '../../../../src/platform/emulator/client.js';

const err = (n: HResultName) => new PlatformError(HRESULT[n], 'HcsOpenProcess');

/** Keeps the test process up while `p` is pending: reattach's waits are unref'd and hold nothing open themselves. */
async function alive<T>(p: Promise<T>): Promise<T> {
  const t = setInterval(() => undefined, 60_000);
  try { return await p; } finally { clearInterval(t); }
}

/** Runs reattach over attempts that throw `failures` in turn, then succeed; returns the attempts made and what was given up. */
async function run(failures: unknown[]): Promise<{ attempts: number; gaveUp: unknown }> {
  let attempts = 0;
  let gaveUp: unknown;
  await alive(reattach(async () => { const f = failures[attempts++]; if (f) throw f; }, () => false, (e) => { gaveUp = e; }));
  return { attempts, gaveUp };
}

test('retried while the service is away, the connection broke under the request, or the error is a socket error', async () => {
  const r = await run([err('HCS_E_SERVICE_NOT_AVAILABLE'), err('HCS_E_SERVICE_DISCONNECT'), new Error('ECONNRESET')]);
  assert.deepEqual(r, { attempts: 4, gaveUp: undefined });
});

test('HCS_E_CONNECT_FAILED (HCS could not reach a guest, the service answered) is lasting: given up at once', async () => {
  const guest = err('HCS_E_CONNECT_FAILED');
  assert.deepEqual(await run([guest]), { attempts: 1, gaveUp: guest });
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

test('a request that breaks the connection each time it is sent is given up after three tries, not resent for a minute', async () => {
  // The service answers between the crashes (it is respawned: the next attempt reaches it, or finds it away a moment).
  const crash = err('HCS_E_SERVICE_DISCONNECT');
  const away = err('HCS_E_SERVICE_NOT_AVAILABLE');
  const r = await run([crash, away, crash, away, crash, crash, crash, crash, crash]);
  assert.deepEqual(r, { attempts: 5, gaveUp: crash });
});

test('a stdin kept over a client closed on purpose is not reattached: one attempt, the closed error', async () => {
  let attempts = 0;
  const closed = new PlatformError(HRESULT.HCS_E_CONNECTION_CLOSED, 'AttachStdio', 'the platform connection is closed');
  const c = { isClosed: true, attachStdin: async () => { attempts++; throw closed; } } as unknown as EmulatorClient;
  await assert.rejects(reopenKeptStdin(c, 'sys', 7), (e) => e === closed);
  assert.equal(attempts, 1);
});

test('the wait between attempts does not hold the process open', async () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  let attempts = 0;
  const retrying = reattach(async () => { if (attempts++ === 0) throw err('HCS_E_SERVICE_NOT_AVAILABLE'); }, () => false, () => undefined);
  await new Promise((r) => setImmediate(r));
  const waiting = timers();
  await alive(retrying);
  assert.equal(attempts, 2);
  assert.equal(waiting, before, 'the retry wait is an unref\'d timer');
});

test('connections broken by service instances dying one after another cost nothing up to five; one instance breaking it again counts', async () => {
  const by = (pid: number) => serviceLost('AttachStdio', pid);
  // Four instances, each cutting once: retried through all of them.
  assert.deepEqual((await run([by(1), by(2), by(3), by(4)])).attempts, 5);
  // A fifth instance cutting it in turn: a request that brings every new service down is given up on (the client
  // would respawn the service for each try).
  const fifth = by(5);
  assert.deepEqual(await run([by(1), by(2), by(3), by(4), fifth, by(6)]), { attempts: 5, gaveUp: fifth });
  // One instance cutting again and again: its first cut is free, three more end it.
  const again = by(9);
  assert.deepEqual(await run([again, again, again, again, again, again]), { attempts: 4, gaveUp: again });
});
