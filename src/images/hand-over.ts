/** Chunks handed to the unpack worker: moved when they own their memory, copied together otherwise. */

/**
 * The chunks as ArrayBuffers to transfer. With `transfer`, a chunk that is its whole (exact-size, unpooled) ArrayBuffer — every
 * body chunk of an HTTP response is: Node allocates each socket read on its own — moves to the worker as is (no
 * copy; its memory leaves this heap, so the daemon's collector does not count it). Other chunks (views into a
 * shared pool or into a larger buffer) are copied together into one buffer without zero-filling it first.
 */
export function handOver(parts: Buffer[], transfer: boolean): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  let copy: Buffer[] = [];
  let copyBytes = 0;
  const flushCopy = () => {
    if (!copy.length) return;
    const b = Buffer.allocUnsafeSlow(copyBytes);
    let off = 0;
    for (const c of copy) off += c.copy(b, off);
    out.push(b.buffer as ArrayBuffer);
    copy = [];
    copyBytes = 0;
  };
  const seen = new Set<ArrayBufferLike>();
  for (const p of parts) {
    const ab = p.buffer;
    const whole = transfer && ab instanceof ArrayBuffer && p.byteOffset === 0 && p.byteLength === ab.byteLength && ab.byteLength > 0 && !seen.has(ab);
    if (whole) {
      flushCopy();
      seen.add(ab);
      out.push(ab);
    } else if (p.length) {
      copy.push(p);
      copyBytes += p.length;
    }
  }
  flushCopy();
  return out;
}
