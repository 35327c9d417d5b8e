/**
 * The hash ring (src/images/hash/): SHA-256 on a thread of its own, fed through shared memory. Digests equal
 * node:crypto's for streams interleaved on one ring, with chunks of every size (empty, across the ring's wrap,
 * longer than an entry and than the whole ring); a full ring makes put() ask the caller to wait; a digest so far
 * leaves the stream going; a tag given back starts clean; more streams than tags hash on the caller's thread; and
 * once the thread is gone every call fails instead of waiting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { HashRing } from '../../../src/images/hash/ring.js';
import { ringHash, type StreamHash } from '../../../src/images/hash/stream.js';
import { CAP, MAX_ENTRY, TAGS } from '../../../src/images/hash/layout.js';

const sha = (...parts: Buffer[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return `sha256:${h.digest('hex')}`;
};

/** Feeds `data` in chunks of the given sizes (cycled), waiting whenever update asks; counts the waits. */
async function feed(h: StreamHash, data: Buffer, sizes: number[]): Promise<number> {
  let waits = 0;
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = Math.min(sizes[i % sizes.length]!, data.length - at);
    const w = h.update(data.subarray(at, at + n));
    if (w) { waits++; await w; }
    at += n;
  }
  return waits;
}

test('hash ring: interleaved streams of odd chunk sizes hash as node:crypto does', async () => {
  const ring = new HashRing();
  try {
    const a = randomBytes(3 * CAP + 12345);
    const b = randomBytes(CAP / 2 + 7);
    const ha = await ringHash(ring);
    const hb = await ringHash(ring);
    const sizesA = [0, 1, 65536, MAX_ENTRY + 3, 4093, CAP + 11];
    const sizesB = [17, 262144, 0, 999];
    // Alternate the two streams chunk by chunk, so their entries interleave in the ring.
    let ia = 0; let ib = 0;
    for (let turn = 0; ia < a.length || ib < b.length; turn++) {
      if (ia < a.length) {
        const n = Math.min(sizesA[turn % sizesA.length]!, a.length - ia);
        await ha.update(a.subarray(ia, ia + n)); ia += n;
      }
      if (ib < b.length) {
        const n = Math.min(sizesB[turn % sizesB.length]!, b.length - ib);
        await hb.update(b.subarray(ib, ib + n)); ib += n;
      }
    }
    assert.equal(await ha.digest(), sha(a));
    assert.equal(await hb.digest(), sha(b));
  } finally { await ring.stop(); }
});

test('hash ring: a full ring makes put() wait; the bytes handed over are taken in order', async () => {
  const ring = new HashRing();
  try {
    const h = await ringHash(ring);
    const data = randomBytes(4 * CAP);
    // One update longer than the ring cannot be taken at once: the caller is asked to wait.
    const waits = await feed(h, data, [4 * CAP]);
    assert.ok(waits >= 1, 'an update longer than the ring returned no promise');
    assert.equal(await h.digest(), sha(data));
  } finally { await ring.stop(); }
});

test('hash ring: a digest so far leaves the stream going; a tag given back starts clean', async () => {
  const ring = new HashRing();
  try {
    const first = randomBytes(100_000);
    const second = randomBytes(50_000);
    const h = await ringHash(ring);
    await feed(h, first, [7000]);
    assert.equal(await h.digestSoFar(), sha(first));
    await feed(h, second, [7000]);
    assert.equal(await h.digest(), sha(first, second));
    // Abandon streams mid-way on every tag, then hash again on the same tags: nothing of the old bytes remains.
    const abandoned = await Promise.all(Array.from({ length: TAGS }, () => ringHash(ring)));
    for (const a of abandoned) { await feed(a, first, [3000]); a.release(); }
    const again = await Promise.all(Array.from({ length: TAGS }, () => ringHash(ring)));
    for (const g of again) await feed(g, second, [5000]);
    for (const g of again) assert.equal(await g.digest(), sha(second));
  } finally { await ring.stop(); }
});

test('hash ring: more streams than tags hash on the calling thread, with the same digests', async () => {
  const ring = new HashRing();
  try {
    const streams = await Promise.all(Array.from({ length: TAGS + 2 }, () => ringHash(ring)));
    const data = streams.map((_, i) => randomBytes(10_000 + i));
    for (let i = 0; i < streams.length; i++) await feed(streams[i]!, data[i]!, [4096]);
    for (let i = 0; i < streams.length; i++) assert.equal(await streams[i]!.digest(), sha(data[i]!));
  } finally { await ring.stop(); }
});

test('hash ring: once its thread is gone, a waiting put and later calls fail instead of waiting', async () => {
  const ring = new HashRing();
  const h = await ringHash(ring);
  // Fill the ring, then stop the thread while the next update waits for room.
  let wait: Promise<void> | undefined;
  const big = randomBytes(2 * CAP);
  while (!(wait = h.update(big)));
  const stopped = ring.stop();
  await assert.rejects(wait, /hash (thread|ring)/);
  await stopped;
  assert.ok(ring.failure);
  assert.throws(() => h.update(Buffer.from('x')), /hash (thread|ring)/);
  await assert.rejects(h.digest(), /hash (thread|ring)/);
});
