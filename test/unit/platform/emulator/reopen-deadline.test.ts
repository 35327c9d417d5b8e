/**
 * The re-open of handles after a reconnect (client.ts, compute.ts) cannot hold every request forever: its opens
 * go out at once (a slow one does not keep the others back), and a re-open not done within the deadline drops the
 * connection and dials again. A fake service on the emulator's socket answers as each test scripts it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorClient } from '../../../../src/platform/emulator/client.js';
import { EmuCompute } from '../../../../src/platform/emulator/compute.js';
import { SOCKET_NAME } from '../../../../src/platform/emulator/protocol.js';

interface Msg { id: number; method: string; params: { id?: string } }
/** `hold(conn, msg)`: true keeps the answer back (it is handed to `held`). */
async function fakeService(hold: (conn: number, m: Msg, answer: () => void) => boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-reopen-'));
  const conns: Socket[] = [];
  const opens: string[][] = [];
  const server = createServer((s) => {
    const n = conns.push(s) - 1;
    opens[n] = [];
    let buf = '';
    s.setEncoding('utf8');
    s.on('error', () => undefined);
    s.on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const m = JSON.parse(buf.slice(0, i)) as Msg;
        buf = buf.slice(i + 1);
        const answer = () => { if (!s.destroyed) s.write(JSON.stringify({ id: m.id, result: null }) + '\n'); };
        if (m.method === 'openSystem') opens[n]!.push(m.params.id!);
        if (!hold(n, m, answer)) answer();
      }
    });
  });
  await new Promise<void>((r) => server.listen(join(dir, SOCKET_NAME), r));
  return { dir, conns, opens, close: () => { server.close(); rmSync(dir, { recursive: true, force: true }); } };
}

test('re-open after a reconnect: the opens go out together, not one answer at a time', { timeout: 60_000 }, async () => {
  const held: (() => void)[] = [];
  const svc = await fakeService((n, m, answer) => {
    if (n !== 1 || m.method !== 'openSystem') return false;
    // Answered only once both opens arrived: a client sending them one after the other would wait forever.
    held.push(answer);
    if (held.length === 2) for (const a of held) a();
    return true;
  });
  const client = new EmulatorClient({ stateDir: svc.dir, spawnService: false, connectTimeoutMs: 5000, reopenTimeoutMs: 3_600_000 });
  const compute = new EmuCompute(client);
  try {
    await compute.openComputeSystem('a');
    await compute.openComputeSystem('b');
    svc.conns[0]!.destroy();
    await client.request('hello');
    assert.deepEqual(svc.opens[1], ['a', 'b']);
  } finally {
    client.close();
    svc.close();
  }
});

test('re-open after a reconnect: one that stalls past the deadline is dropped and the client dials again', { timeout: 60_000 }, async () => {
  // The first re-open (connection 1) never gets its answer.
  const svc = await fakeService((n, m) => n === 1 && m.method === 'openSystem');
  const client = new EmulatorClient({ stateDir: svc.dir, spawnService: false, connectTimeoutMs: 5000, reopenTimeoutMs: 200 });
  const compute = new EmuCompute(client);
  try {
    await compute.openComputeSystem('old');
    svc.conns[0]!.destroy();
    // Waits for the re-open like every request; answered on the connection after the stalled one.
    await client.request('waitProcess', { id: 'old', pid: 1 });
    assert.deepEqual(svc.opens[2], ['old'], 'the handle re-opened on the new connection');
  } finally {
    client.close();
    svc.close();
  }
});

test('re-open after a reconnect: one that takes longer than the deadline but keeps being answered is let finish', { timeout: 60_000 }, async () => {
  // On connection 1 the opens are answered one at a time, each well within the deadline of the one before, all
  // together well past it: counted from the start the re-open would be dropped (and every re-open after it).
  const queue: (() => void)[] = [];
  let pacing: NodeJS.Timeout | undefined;
  const svc = await fakeService((n, m, answer) => {
    if (n !== 1 || m.method !== 'openSystem') return false;
    queue.push(answer);
    pacing ??= setInterval(() => { queue.shift()?.(); if (queue.length === 0) clearInterval(pacing); }, 150);
    return true;
  });
  const client = new EmulatorClient({ stateDir: svc.dir, spawnService: false, connectTimeoutMs: 5000, reopenTimeoutMs: 600 });
  const compute = new EmuCompute(client);
  try {
    const ids = ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7'];
    for (const id of ids) await compute.openComputeSystem(id);
    svc.conns[0]!.destroy();
    await client.request('hello');
    assert.deepEqual(svc.opens[1], ids);
    assert.equal(svc.conns.length, 2, 'the re-open was not dropped: no third connection');
  } finally {
    clearInterval(pacing);
    client.close();
    svc.close();
  }
});
