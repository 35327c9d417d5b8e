/**
 * The shared memory of a hash ring (ring.ts, the producer; thread.ts, the hashing thread): a byte ring of CAP
 * bytes and a queue of N entries, each naming a stretch of the ring (offset, length) and the stream (tag) it
 * belongs to, or a marker for that stream (a negative length). The producer owns PRODUCED and the entries up to
 * it; the thread owns CONSUMED and the results. Both counters are int32 that wrap; an entry's index is the
 * counter's low bits (N is a power of two).
 */
export const N = 1024;
export const CAP = 4 * 1024 * 1024;
/** Streams one ring hashes at once (a layer job uses two: the compressed and the expanded bytes). */
export const TAGS = 4;
/** The longest stretch one entry names (the thread hashes it in one update). */
export const MAX_ENTRY = 1024 * 1024;

export const PRODUCED = 0;
export const CONSUMED = 1;

/** Markers (entry lengths below zero). */
export const RESET = -1;
/** The stream's digest; the stream ends. */
export const END = -2;
/** The digest of what the stream hashed so far; it goes on. */
export const PEEK = -3;

const DIGEST = 32;

export interface RingViews {
  /** [PRODUCED, CONSUMED] */
  ctrl: Int32Array;
  /** Per tag: how many results the thread has written. */
  seq: Int32Array;
  off: Int32Array;
  len: Int32Array;
  tag: Int32Array;
  /** Per tag: its latest result (32 bytes of SHA-256). */
  results: Uint8Array;
  data: Uint8Array;
}

export function ringBytes(): number {
  return 4 * (2 + TAGS + 3 * N) + TAGS * DIGEST + CAP;
}

export function ringViews(sab: SharedArrayBuffer): RingViews {
  let at = 0;
  const ints = (n: number) => { const v = new Int32Array(sab, at, n); at += 4 * n; return v; };
  const ctrl = ints(2);
  const seq = ints(TAGS);
  const off = ints(N);
  const len = ints(N);
  const tag = ints(N);
  const results = new Uint8Array(sab, at, TAGS * DIGEST);
  at += TAGS * DIGEST;
  return { ctrl, seq, off, len, tag, results, data: new Uint8Array(sab, at, CAP) };
}

export function resultOf(v: RingViews, tag: number): Buffer {
  return Buffer.from(v.results.slice(tag * DIGEST, (tag + 1) * DIGEST));
}

export function writeResult(v: RingViews, tag: number, digest: Buffer): void {
  v.results.set(digest, tag * DIGEST);
}
