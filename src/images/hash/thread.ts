/**
 * The hashing thread of a hash ring (layout.ts): hashes each entry the producer publishes into its stream's
 * SHA-256, in order, and writes a stream's digest when a marker asks. It has nothing else to do, so it blocks in
 * Atomics.wait while the ring is empty (terminate() interrupts that wait: the thread ends with its owner).
 */
import { createHash, type Hash } from 'node:crypto';
import { isMainThread, workerData } from 'node:worker_threads';
import { CONSUMED, END, N, PEEK, PRODUCED, RESET, ringViews, writeResult, type RingViews } from './layout.js';

/** Takes one entry: hashes its bytes, or acts on its marker. */
function take(v: RingViews, hashes: (Hash | undefined)[], i: number): void {
  const len = v.len[i]!;
  const tag = v.tag[i]!;
  if (len >= 0) {
    const off = v.off[i]!;
    (hashes[tag] ??= createHash('sha256')).update(v.data.subarray(off, off + len));
    return;
  }
  if (len === RESET) { hashes[tag] = undefined; return; }
  const h = hashes[tag] ?? createHash('sha256');
  if (len === END) { writeResult(v, tag, h.digest()); hashes[tag] = undefined; }
  else if (len === PEEK) { writeResult(v, tag, h.copy().digest()); hashes[tag] = h; }
  Atomics.add(v.seq, tag, 1);
  Atomics.notify(v.seq, tag);
}

export function serveRing(sab: SharedArrayBuffer): never {
  const v = ringViews(sab);
  const hashes: (Hash | undefined)[] = [];
  let consumed = Atomics.load(v.ctrl, CONSUMED);
  for (;;) {
    const produced = Atomics.load(v.ctrl, PRODUCED);
    if (produced === consumed) { Atomics.wait(v.ctrl, PRODUCED, produced); continue; }
    while (consumed !== produced) {
      take(v, hashes, consumed & (N - 1));
      consumed = (consumed + 1) | 0;
      Atomics.store(v.ctrl, CONSUMED, consumed);
      Atomics.notify(v.ctrl, CONSUMED);
    }
  }
}

const data = workerData as { wincriHashRing?: SharedArrayBuffer } | undefined;
if (!isMainThread && data?.wincriHashRing) serveRing(data.wincriHashRing);
