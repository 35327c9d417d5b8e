/**
 * The Version phase (bench/phases/rpc.ts): every endpoint gets the same unrecorded warm-up calls before its first
 * recorded block, and the do-nothing floors run in a session (scheduling group) of their own, as the targets do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as grpc from '@grpc/grpc-js';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { versionP50s, startFloor } from '../../../bench/phases/rpc.js';
import { waitFor } from '../../helpers/wait-for.js';
import { sessionOf } from '../../../bench/lib/session.js';

/** A client whose Version answers at once and counts the calls it got. */
function fakeClient(): { client: grpc.Client; calls: () => number } {
  let n = 0;
  const client = { Version: (_req: unknown, _md: unknown, _opts: unknown, cb: (e: null, r: unknown) => void) => { n++; setImmediate(() => cb(null, {})); } };
  return { client: client as unknown as grpc.Client, calls: () => n };
}

test('versionP50s: each endpoint gets `warmup` unrecorded calls, then 50 before its block, then the recorded ones', async () => {
  const a = fakeClient(), b = fakeClient();
  const p50s = await versionP50s([a.client, b.client], 10, 7);
  assert.equal(p50s.length, 2);
  assert.equal(a.calls(), 7 + 50 + 10);
  assert.equal(b.calls(), 7 + 50 + 10);
});

test('startFloor: the floor server leads a session of its own, not the client\'s', async () => {
  const floor = await startFloor(false);
  try {
    assert.equal(sessionOf(floor.pid), floor.pid);
    assert.notEqual(sessionOf(floor.pid), sessionOf(process.pid));
  } finally {
    floor.stop();
  }
});

test('startFloor: a floor ends with the bench that started it, killed or interrupted (it is out of the terminal\'s signals)', async () => {
  const rpc = new URL('../../../bench/phases/rpc.js', import.meta.url).href;
  const bench = spawn(process.execPath, ['--input-type=module', '-e',
    `const { startFloor } = await import(${JSON.stringify(rpc)}); const f = await startFloor(false); console.log(f.pid); setInterval(() => {}, 1000);`],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((res, rej) => { bench.stdout!.once('data', (d: Buffer) => res(Number(String(d).trim()))); bench.once('exit', (c) => rej(new Error(`bench exited ${c}`))); });
  assert.ok(pid > 0);
  assert.ok(alive(pid), 'the floor runs');
  bench.kill('SIGKILL'); // no finally, no exit handler runs
  await waitFor('the floor to end with its bench', () => !alive(pid), { timeoutMs: 20_000 });
});

/** Running (a zombie nobody has reaped yet has ended). */
function alive(pid: number): boolean {
  try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
}
