/** A pull-based byte reader over an async iterator of chunks, counting what it reads against the archive's size limit. */
import { TarFormatError } from './format.js';

export class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private eof = false;
  total = 0;
  constructor(private readonly it: AsyncIterator<Buffer>, private readonly maxBytes: number, private readonly onData?: (chunk: Buffer) => void) {}

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.eof) {
      const r = await this.it.next();
      if (r.done) { this.eof = true; break; }
      const b = r.value;
      if (!b.length) continue;
      this.total += b.length;
      if (this.total > this.maxBytes) throw new TarFormatError(`archive expands beyond the limit of ${this.maxBytes} bytes`);
      this.onData?.(b);
      this.chunks.push(b);
      this.buffered += b.length;
    }
  }

  /** Exactly n bytes, or fewer only at end of stream. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    return this.take(Math.min(n, this.buffered));
  }

  /** Up to n bytes, at least one unless at end of stream; avoids copying whole chunks. */
  async readSome(n: number): Promise<Buffer> {
    if (this.buffered === 0) await this.fill(1);
    return this.take(Math.min(n, this.buffered, this.chunks[0]?.length ?? 0));
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    if (first.length === n) { this.chunks.shift(); this.buffered -= n; return first; }
    if (first.length > n) { this.chunks[0] = first.subarray(n); this.buffered -= n; return first.subarray(0, n); }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift(); else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }

  async skip(n: number): Promise<void> {
    while (n > 0) {
      const b = await this.readSome(n);
      if (!b.length) throw new TarFormatError('unexpected end of archive');
      n -= b.length;
    }
  }

  async drain(): Promise<void> {
    this.chunks = [];
    this.buffered = 0;
    while (!this.eof) {
      const r = await this.it.next();
      if (r.done) { this.eof = true; break; }
      this.total += r.value.length;
      if (this.total > this.maxBytes) throw new TarFormatError(`archive expands beyond the limit of ${this.maxBytes} bytes`);
      this.onData?.(r.value);
    }
  }
}
