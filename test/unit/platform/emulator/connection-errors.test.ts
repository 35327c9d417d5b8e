/**
 * The emulator client's connection failures (connection-errors.ts), against a stand-in service on the socket: the
 * service going away during a call is HCS_E_SERVICE_DISCONNECT whether the call is a request or a stdio
 * attachment's handshake (was: HCS_E_CONNECTION_CLOSED for the handshake); nothing answering when a call starts is
 * HCS_E_SERVICE_NOT_AVAILABLE for both; a client closed on purpose is HCS_E_CONNECTION_CLOSED. Each reaches a
 * CRI client as UNAVAILABLE with a message saying what happened and what to do.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { EmulatorClient } from '../../../../src/platform/emulator/client.js';
import { SOCKET_NAME } from '../../../../src/platform/emulator/protocol.js';
import { isPlatformError, type HResultName } from '../../../../src/platform/hresult.js';
import { HRESULT_ADVICE, PLATFORM_RETRY_ADVICE } from '../../../../src/platform/hresult-advice.js';
import { toServiceError } from '../../../../src/cri/errors.js';

/** A stand-in service: answers `hello`, drops the connection on any other request or attachment (as a kill would). */
async function standIn(t: TestContext): Promise<{ dir: string; server: Server }> {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-emu-conn-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = createServer((sock: Socket) => {
    sock.setEncoding('utf8');
    sock.on('error', () => undefined);
    sock.on('data', (d: string) => {
      const msg = JSON.parse(d.split('\n')[0]!) as { id?: number; method?: string };
      if (msg.method === 'hello') sock.write(JSON.stringify({ id: msg.id, result: { osVersion: '10.0.20348', architecture: 'amd64', pid: 1 } }) + '\n');
      else sock.destroy();
    });
  });
  await new Promise<void>((r) => server.listen(join(dir, SOCKET_NAME), r));
  t.after(() => server.close());
  return { dir, server };
}

/** `p` fails with `hr`; a CRI client gets UNAVAILABLE, the HRESULT named and its advice. */
async function failsWith(p: Promise<unknown>, hr: HResultName, detail: RegExp): Promise<void> {
  const e = await p.then(() => assert.fail('expected a failure'), (x: unknown) => x);
  assert.ok(isPlatformError(e, hr), `${hr} expected, got ${String(e)}`);
  assert.match((e as Error).message, detail);
  const se = toServiceError(e);
  assert.equal(se.code, status.UNAVAILABLE, se.details);
  assert.ok(se.details!.includes(hr), se.details);
  assert.ok(se.details!.endsWith(`(${HRESULT_ADVICE[hr] ?? PLATFORM_RETRY_ADVICE})`), se.details);
}

test('the service going away during a request or during an attachment\'s handshake: HCS_E_SERVICE_DISCONNECT both', async (t) => {
  const { dir } = await standIn(t);
  const client = new EmulatorClient({ stateDir: dir, spawnService: false });
  t.after(() => client.close());
  await client.hello();
  await failsWith(client.request('createSystem', { id: 'x' }), 'HCS_E_SERVICE_DISCONNECT', /went away during the call/);
  await failsWith(client.attach('x', 1, 'stdout'), 'HCS_E_SERVICE_DISCONNECT', /went away during the call/);
  assert.match(toServiceError(await client.attach('x', 1, 'stdout').catch((e: unknown) => e)).details!, /emulator service exited during the call/);
});

test('nothing answering when a request or an attachment starts: HCS_E_SERVICE_NOT_AVAILABLE both, naming the socket', async (t) => {
  const { dir, server } = await standIn(t);
  const client = new EmulatorClient({ stateDir: dir, spawnService: false });
  t.after(() => client.close());
  await client.hello(); // connected: an attachment dials a connection of its own
  server.close(); // stops listening at once; the connection made stays
  const socket = join(dir, SOCKET_NAME);
  await failsWith(client.attach('x', 1, 'stdout'), 'HCS_E_SERVICE_NOT_AVAILABLE', new RegExp(`no emulator service answers at ${socket}`));
  const fresh = new EmulatorClient({ stateDir: dir, spawnService: false });
  t.after(() => fresh.close());
  await failsWith(fresh.request('createSystem', { id: 'x' }), 'HCS_E_SERVICE_NOT_AVAILABLE', new RegExp(`no emulator service answers at ${socket}`));
});

test('a client closed on purpose: HCS_E_CONNECTION_CLOSED, for requests in flight and after', async (t) => {
  const { dir } = await standIn(t);
  const client = new EmulatorClient({ stateDir: dir, spawnService: false });
  await client.hello();
  client.close();
  await failsWith(client.request('createSystem', { id: 'x' }), 'HCS_E_CONNECTION_CLOSED', /shutting down/);
});
