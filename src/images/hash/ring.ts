/**
 * A hash ring's producer side: bytes to hash are copied into shared memory and hashed by a thread of the ring's
 * own (thread.ts), so the thread that produces them (a layer unpack: socket reads, inflate, tar parsing, file
 * writes) does not also spend its time in SHA-256 — for a single large layer, as Windows base layers are, that is
 * a second core on the layer. One producer thread per ring; streams are tagged so that one ring serves a layer's
 * two hashes (compressed and expanded bytes).
 *
 * A put returns a promise only when the ring is full (then the caller waits for the thread to catch up before its
 * next put). If the thread ends (an error, or it was terminated) every later call fails: nothing waits forever.
 */
import { Worker } from 'node:worker_threads';
import { CAP, CONSUMED, END, MAX_ENTRY, N, PEEK, PRODUCED, RESET, TAGS, resultOf, ringBytes, ringViews, type RingViews } from './layout.js';

// Atomics.waitAsync (Node ≥ 16) is not in TypeScript's ES2022 library: its shape, as V8 has it. `value` is a string
// when the wait settled at once (the value had changed already, or a zero timeout).
type WaitAsync = (a: Int32Array, index: number, value: number, timeoutMs: number) => { value: Promise<string> | string };
const waitAsync: WaitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

const THREAD = new URL('./thread.js', import.meta.url);
/** How long a wait for the thread lasts before it looks again whether the thread is still there. */
const RECHECK_MS = 1000;

/**
 * Until a[index] is no longer `value`, or RECHECK_MS passed. The timer ends the wait and holds the event loop open
 * meanwhile: Atomics.waitAsync alone does not (its own timeout may land after the loop has nothing else left), and
 * nothing else may (the ring's thread is unreferenced).
 */
async function waitChange(a: Int32Array, index: number, value: number): Promise<void> {
  let hold: NodeJS.Timeout | undefined;
  const timer = new Promise<void>((resolve) => { hold = setTimeout(resolve, RECHECK_MS); });
  try { await Promise.race([waitAsync(a, index, value, RECHECK_MS).value, timer]); } finally { clearTimeout(hold); }
}

export class HashRing {
  private readonly v: RingViews;
  private readonly worker: Worker;
  private produced = 0;
  private seen = 0;
  private inflight = 0;
  private writePos = 0;
  private readonly freeTags = Array.from({ length: TAGS }, (_, i) => TAGS - 1 - i);
  private ended: Error | undefined;

  constructor(script: URL = THREAD) {
    const sab = new SharedArrayBuffer(ringBytes());
    this.v = ringViews(sab);
    this.worker = new Worker(script, { workerData: { wincriHashRing: sab } });
    this.worker.unref();
    this.worker.on('error', (e) => { this.ended ??= new Error(`the layer hash thread failed: ${e.message}`); });
    this.worker.on('exit', (code) => { this.ended ??= new Error(`the layer hash thread ended (exit code ${code})`); });
  }

  /** Why the ring can no longer hash (its thread ended), if it cannot. */
  get failure(): Error | undefined { return this.ended; }

  /** A free stream tag, its hash state reset; undefined when every tag is taken. */
  async open(): Promise<number | undefined> {
    const tag = this.freeTags.pop();
    if (tag === undefined) return undefined;
    try { await this.mark(tag, RESET); } catch (e) { this.close(tag); throw e; }
    return tag;
  }

  /** Gives a tag back (its stream ended or was abandoned; the next open() resets it). */
  close(tag: number): void {
    if (!this.freeTags.includes(tag)) this.freeTags.push(tag);
  }

  /** Adds bytes to a stream. Returns a promise only when the ring was full: await it before the next call. */
  put(tag: number, b: Uint8Array): Promise<void> | undefined {
    this.check();
    for (let at = 0; at < b.length;) {
      const n = Math.min(this.room(), b.length - at, MAX_ENTRY);
      if (n === 0) return this.waitRoom().then(() => this.put(tag, b.subarray(at)));
      this.v.data.set(b.subarray(at, at + n), this.writePos);
      this.publish(tag, this.writePos, n);
      this.writePos = (this.writePos + n) % CAP;
      at += n;
    }
    return undefined;
  }

  /** The SHA-256 of the stream's bytes; with `end`, the stream's state is dropped (the tag stays taken). */
  async digest(tag: number, end: boolean): Promise<Buffer> {
    const before = Atomics.load(this.v.seq, tag);
    await this.mark(tag, end ? END : PEEK);
    while (Atomics.load(this.v.seq, tag) === before) {
      this.check();
      await waitChange(this.v.seq, tag, before);
    }
    return resultOf(this.v, tag);
  }

  /** Stops the thread (the ring fails from then on). */
  async stop(): Promise<void> {
    this.ended ??= new Error('the layer hash ring was stopped');
    await this.worker.terminate();
  }

  private async mark(tag: number, marker: number): Promise<void> {
    this.check();
    while (this.entriesFull()) await this.waitRoom();
    this.publish(tag, 0, marker);
  }

  private publish(tag: number, off: number, len: number): void {
    const i = this.produced & (N - 1);
    this.v.off[i] = off;
    this.v.len[i] = len;
    this.v.tag[i] = tag;
    if (len > 0) this.inflight += len;
    this.produced = (this.produced + 1) | 0;
    Atomics.store(this.v.ctrl, PRODUCED, this.produced);
    Atomics.notify(this.v.ctrl, PRODUCED);
  }

  /** Takes note of the entries the thread has consumed since the last look: their bytes are free again. */
  private reclaim(): void {
    const consumed = Atomics.load(this.v.ctrl, CONSUMED);
    for (; this.seen !== consumed; this.seen = (this.seen + 1) | 0) {
      const len = this.v.len[this.seen & (N - 1)]!;
      if (len > 0) this.inflight -= len;
    }
    if (this.inflight === 0 && this.seen === this.produced) this.writePos = 0; // empty: start at the front again
  }

  private entriesFull(): boolean {
    this.reclaim();
    return ((this.produced - this.seen) | 0) >= N;
  }

  /** Contiguous free bytes at the write position (0 when the ring or its entry queue is full). */
  private room(): number {
    if (this.entriesFull()) return 0;
    return Math.min(CAP - this.inflight, CAP - this.writePos);
  }

  private async waitRoom(): Promise<void> {
    const consumed = Atomics.load(this.v.ctrl, CONSUMED);
    if (consumed === this.seen) await waitChange(this.v.ctrl, CONSUMED, consumed);
    this.check();
  }

  private check(): void {
    if (this.ended) throw this.ended;
  }
}
