/**
 * An acknowledged output stream (acked-output.ts) read by the IO keeper's pump while the emulator service is killed
 * again and again mid-handshake (a crash-looping or repeatedly killed service): each instance cuts one handshake,
 * which does not count against the stream's budget (reattach.ts counts only an instance cutting again), so the pump
 * keeps the stream and reads on from the instance that stays. A stand-in service on the socket, a real client.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorClient } from '../../../../src/platform/emulator/client.js';
import { ackedOutput } from '../../../../src/platform/emulator/acked-output.js';
import { SOCKET_NAME } from '../../../../src/platform/emulator/protocol.js';
import { startPump } from '../../../../src/container-io/keeper-pump.js';
import type { CriLogWriter } from '../../../../src/container-io/log-writer.js';
import type { Logger } from '../../../../src/util/log.js';
import { waitFor } from '../../../helpers/wait-for.js';

/** One service instance: answers `hello` with its pid; an attachment is `serve`d (or cut, killing the instance). */
async function instance(dir: string, pid: number, serve: (sock: Socket) => void): Promise<{ kill(): void }> {
  const socks = new Set<Socket>();
  const server: Server = createServer((sock) => {
    socks.add(sock);
    sock.on('error', () => undefined);
    let first = true;
    sock.on('data', (d: Buffer) => {
      if (!first) return; // acknowledgements on an attachment
      first = false;
      const msg = JSON.parse(d.toString('utf8').split('\n')[0]!) as { id?: number; method?: string; attach?: unknown };
      if (msg.attach) { serve(sock); return; }
      first = true;
      sock.write(JSON.stringify({ id: msg.id, result: { osVersion: '10.0.20348', architecture: 'amd64', pid } }) + '\n');
    });
  });
  const path = join(dir, SOCKET_NAME);
  rmSync(path, { force: true });
  await new Promise<void>((r) => server.listen(path, r));
  return { kill() { server.close(); for (const s of socks) s.destroy(); } };
}

function fakeWriter(into: Buffer[]): CriLogWriter {
  let stored = 0;
  return {
    path: 'fake.log',
    async writeChunks(_name: string, batch: Buffer[]) { for (const b of batch) { into.push(b); stored += b.length; } },
    stored: () => stored,
    async endStream() { into.push(Buffer.from('<end>')); },
  } as unknown as CriLogWriter;
}

const quietLog = (errors: string[]): Logger => {
  const l: Logger = { debug: () => undefined, info: () => undefined, warn: (m) => { errors.push(m); }, error: (m) => { errors.push(m); }, child: () => l };
  return l;
};

test('a service killed three times mid-handshake, each a new instance: the pump keeps the stream and reads on from the fourth', async (t: TestContext) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-emu-reinst-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const client = new EmulatorClient({ stateDir: dir, spawnService: false });
  t.after(() => client.close());
  let cuts = 0;
  let current = await instance(dir, 1000, (sock) => { sock.write(JSON.stringify({ ok: true, start: 0 }) + '\n'); sock.write('a\n'); });
  const first = await client.attachAcked('sys', 7, 'stdout', 0);
  const { stream, acks } = ackedOutput(client, 'sys', 7, 'stdout', first);
  const got: Buffer[] = [];
  const errors: string[] = [];
  const pump = startPump(stream, 'stdout', fakeWriter(got), quietLog(errors), undefined, acks, 'ctr');
  t.after(() => pump.abort());
  await waitFor('the first output', () => Buffer.concat(got).toString() === 'a\n');

  // Killed; each instance started since is killed in turn as an attachment's handshake reaches it.
  const next = async (pid: number): Promise<void> => {
    current = await instance(dir, pid, (sock) => {
      if (pid < 1004) { cuts++; sock.destroy(); current.kill(); void next(pid + 1); return; }
      sock.write(JSON.stringify({ ok: true, start: 2 }) + '\n');
      sock.write('b\n');
    });
  };
  current.kill();
  await next(1001);
  t.after(() => current.kill());
  await waitFor('output from the fourth instance', () => Buffer.concat(got).toString().length > 2);
  assert.equal(cuts, 3);
  assert.equal(Buffer.concat(got).toString(), 'a\nb\n', 'read on from the fourth instance, not ended');
  assert.deepEqual(errors, []);
  assert.equal(stream.destroyed, false);
});

test('given up for another reason than the process being gone, the stream fails and the pump logs it with the container', async (t: TestContext) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-emu-reinst-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const client = new EmulatorClient({ stateDir: dir, spawnService: false });
  t.after(() => client.close());
  // One instance that stays and cuts every reattachment: the same pid again and again is given up on.
  let attached = 0;
  const svc = await instance(dir, 2000, (sock) => {
    if (attached++ === 0) { sock.write(JSON.stringify({ ok: true, start: 0 }) + '\n'); sock.write('a\n'); setImmediate(() => sock.destroy()); return; }
    sock.destroy();
  });
  t.after(() => svc.kill());
  const first = await client.attachAcked('sys', 7, 'stdout', 0);
  const { stream, acks } = ackedOutput(client, 'sys', 7, 'stdout', first);
  const got: Buffer[] = [];
  const lines: { msg: string; fields?: Record<string, unknown> }[] = [];
  const log: Logger = {
    debug: () => undefined, info: () => undefined, warn: () => undefined,
    error: (msg, fields) => { lines.push({ msg, ...(fields ? { fields } : {}) }); }, child: () => log,
  };
  const pump = startPump(stream, 'stdout', fakeWriter(got), log, undefined, acks, 'ctr');
  await pump.done;
  assert.equal(lines.length, 1);
  assert.match(lines[0]!.msg, /further output is not logged/);
  assert.equal(lines[0]!.fields?.container, 'ctr');
  assert.equal(lines[0]!.fields?.stream, 'stdout');
  assert.match(String(lines[0]!.fields?.err), /HCS_E_SERVICE_DISCONNECT.*stdout of process 7 in sys could not be reattached/);
});
