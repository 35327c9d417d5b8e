import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

test('a buffer is never handed out while in flight (random takes and gives)', () => {
  const pool = new BufferPool(64, 3);
  const out = new Map<ArrayBufferLike, { buf: Buffer; mark: number }>();
  let mark = 0;
  for (let i = 0; i < 5000; i++) {
    if (out.size === 0 || Math.random() < 0.5) {
      const buf = pool.take(1 + Math.floor(Math.random() * 64));
      assert.equal(out.has(buf.buffer), false, 'handed out twice');
      buf.fill(++mark & 0xff);
      out.set(buf.buffer, { buf, mark: mark & 0xff });
    } else {
      const [ab, { buf, mark: m }] = [...out][Math.floor(Math.random() * out.size)]!;
      assert.ok(buf.every((x) => x === m), 'nobody wrote to it while it was out');
      out.delete(ab);
      pool.give(buf);
    }
  }
});

test('entries a GC emptied do not count toward `keep`', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const pool = new BufferPool(1024, 2);
  const c = pool.take();
  let a: Buffer | undefined = pool.take();
  let b: Buffer | undefined = pool.take();
  const canary = new WeakRef(a.buffer);
  pool.give(a); pool.give(b);
  a = b = undefined;
  await new Promise((r) => setImmediate(r)); // WeakRefs hold their target until the current job ends
  gc();
  assert.equal(canary.deref(), undefined, 'the free buffers were collected');
  pool.give(c);
  assert.equal(pool.take().buffer, c.buffer);
});

test('a buffer given back twice after a GC emptied an earlier entry is still handed out once', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const pool = new BufferPool(1024, 4);
  let x: Buffer | undefined = pool.take();
  const b = pool.take();
  const a = pool.take();
  const canary = new WeakRef(x.buffer);
  pool.give(x); pool.give(b); pool.give(a); // free: [x, b, a]
  x = undefined;
  await new Promise((r) => setImmediate(r)); // WeakRefs hold their target until the current job ends
  gc();
  assert.equal(canary.deref(), undefined, 'x was collected');
  pool.give(a); // again: compacting past x's empty entry must not leave b in the list twice
  const out = [pool.take(), pool.take(), pool.take()].map((y) => y.buffer);
  assert.equal(new Set(out).size, 3, 'three takes, three buffers');
  assert.ok(out.includes(a.buffer) && out.includes(b.buffer));
});
