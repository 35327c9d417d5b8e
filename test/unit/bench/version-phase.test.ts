/**
 * The Version phase (bench/phases/rpc.ts): every endpoint gets the same unrecorded warm-up calls before its first
 * recorded block, and the do-nothing floors run in a session (scheduling group) of their own, as the targets do.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as grpc from '@grpc/grpc-js';
import { versionP50s, startFloor, WARMUP } from '../../../bench/phases/rpc.js';
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
  assert.equal(WARMUP, 3000);
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
