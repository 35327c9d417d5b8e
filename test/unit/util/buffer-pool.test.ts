import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BufferPool } from '../../../src/util/buffer-pool.js';

test('a buffer given back is handed out again (same memory), up to `keep` of them', () => {
  const pool = new BufferPool(1024, 2);
  const a = pool.take(100);
  const b = pool.take();
  assert.equal(a.length, 100);
  assert.equal(b.length, 1024);
  assert.notEqual(a.buffer, b.buffer);
  pool.give(a.subarray(10, 20)); // any view of it
  pool.give(a); // twice: kept once
  pool.give(b);
  const c = pool.take(50);
  const d = pool.take(60);
  assert.deepEqual(new Set([c.buffer, d.buffer]), new Set([a.buffer, b.buffer]));
  assert.notEqual(pool.take().buffer, a.buffer); // the pool was empty: a new one
  const e = pool.take(); const f = pool.take(); const g = pool.take();
  for (const x of [e, f, g]) pool.give(x);
  const kept = [pool.take(), pool.take(), pool.take()].map((x) => x.buffer);
  assert.equal(kept.filter((x) => x === e.buffer || x === f.buffer || x === g.buffer).length, 2);
});

test('buffers the pool did not make, and larger requests, are never reused', () => {
  const pool = new BufferPool(1024, 4);
  const foreign = Buffer.alloc(1024);
  pool.give(foreign);
  assert.notEqual(pool.take().buffer, foreign.buffer);
  const big = pool.take(4096);
  assert.equal(big.length, 4096);
  pool.give(big);
  assert.notEqual(pool.take().buffer, big.buffer);
});
