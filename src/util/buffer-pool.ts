/**
 * Reusable fixed-size buffers for a byte stream's hot path (the IO keeper's record buffers, container-io/log-writer.ts;
 * the emulator service's spool reads, platform/emulator/service/spool-relay.ts).
 *
 * A fresh buffer per chunk costs more than its copy: V8 frees an ArrayBuffer's memory only when a GC finds the
 * object dead, so at tens of MB/s the C heap keeps handing out new pages (glibc maps a 256 KiB block of its own and
 * unmaps it on free), and every page is faulted in again: in the logs bench the keeper and the service each took
 * about one minor fault per 4 KiB of output, a fifth of their CPU. A buffer given back once its bytes are written
 * (a file write resolved, a socket write's callback) is reused while still mapped and in cache.
 *
 * The pool holds its free buffers through WeakRefs: a full GC (the idle collection after a burst, util/idle-gc.ts)
 * frees what is not in use, so an idle process keeps none of them. Only buffers the pool made are taken back.
 */
export class BufferPool {
  private readonly free: WeakRef<ArrayBuffer>[] = [];
  private readonly mine = new WeakSet<ArrayBuffer>();

  /** `size`: bytes of each buffer; `keep`: free buffers held at most. */
  constructor(readonly size: number, private readonly keep: number) {}

  /** A buffer of `size` bytes (contents undefined); larger requests get a fresh buffer of their own. */
  take(bytes = this.size): Buffer {
    if (bytes > this.size) return Buffer.allocUnsafeSlow(bytes);
    for (let ab = this.free.pop(); ab; ab = this.free.pop()) {
      const buf = ab.deref();
      if (buf) return Buffer.from(buf, 0, bytes);
    }
    // Not zero-filled (new ArrayBuffer would be): users read back only bytes they wrote.
    const ab = Buffer.allocUnsafeSlow(this.size).buffer as ArrayBuffer;
    this.mine.add(ab);
    return Buffer.from(ab, 0, bytes);
  }

  /** Gives back the buffer under `b` (any view of it) once nothing reads it any more; others are ignored. */
  give(b: Uint8Array): void {
    const ab = b.buffer;
    if (!(ab instanceof ArrayBuffer) || !this.mine.has(ab)) return;
    let kept = 0;
    let already = false; // given back twice: kept once (the list is compacted all the same, then cut)
    for (const r of this.free) {
      const x = r.deref();
      if (x === ab) already = true;
      if (x) this.free[kept++] = r; // entries a GC emptied go, else they count toward `keep` until a take()
    }
    this.free.length = kept;
    if (!already && kept < this.keep) this.free.push(new WeakRef(ab));
  }
}
