/**
 * CRI log records and line splitting (reference/cri.md §4), pure: bytes in, record bytes out.
 *
 *   <RFC3339Nano timestamp> <stdout|stderr> <F|P> <content>\n
 *
 * - content is the line without its `\n` and without a trailing `\r` (Windows programs write CRLF);
 * - a line longer than maxLineSize bytes is cut into `P` records of exactly maxLineSize bytes, the remainder
 *   is the final `F` record; a chunk without newline when the stream ends becomes a `P` record;
 * - bytes only (no decoding), so UTF-8 sequences split across chunks stay intact.
 */

export type StreamName = 'stdout' | 'stderr';
export const DEFAULT_MAX_LINE_SIZE = 16384;

const NL = 0x0a;
const CR = 0x0d;
const NL_BUF = Buffer.from([NL]);

/** One CRI log record, `\n` included. */
export function formatRecord(timestamp: string, stream: StreamName, partial: boolean, content: Uint8Array): Buffer {
  const head = Buffer.from(`${timestamp} ${stream} ${partial ? 'P' : 'F'} `, 'latin1');
  return Buffer.concat([head, content, NL_BUF]);
}

/** The records of several fragments with one timestamp, built into one buffer (no per-record allocation). */
export function formatRecords(timestamp: string, stream: StreamName, frags: LineFragment[]): Buffer {
  const full = Buffer.from(`${timestamp} ${stream} F `, 'latin1');
  const part = Buffer.from(`${timestamp} ${stream} P `, 'latin1');
  let size = 0;
  for (const f of frags) size += full.length + f.content.length + 1;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const f of frags) {
    o += (f.partial ? part : full).copy(out, o);
    o += f.content.length === 0 ? 0 : (f.content as Buffer).copy(out, o);
    out[o++] = NL;
  }
  return out;
}

export interface LineFragment {
  content: Buffer;
  /** true → `P` record, false → `F` record. */
  partial: boolean;
}

/**
 * Cuts a byte stream into CRI log fragments. Holds back the unterminated tail until a newline arrives, the tail
 * exceeds maxLineSize (then `P` fragments of exactly maxLineSize bytes are emitted), or end() is called.
 */
export class LineSplitter {
  readonly maxLineSize: number;
  private pending: Buffer[] = [];
  private pendingLen = 0;

  constructor(maxLineSize: number = DEFAULT_MAX_LINE_SIZE) {
    this.maxLineSize = maxLineSize > 0 ? Math.floor(maxLineSize) : 0;
  }

  /** Bytes held back waiting for the end of their line. */
  get buffered(): number { return this.pendingLen; }

  push(chunk: Uint8Array): LineFragment[] {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: LineFragment[] = [];
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(NL, start);
      if (nl === -1) {
        this.append(buf.subarray(start));
        this.emitOverflow(out);
        break;
      }
      // A whole line inside this chunk is not copied: fragments are formatted before the producer's callback.
      let line: Buffer;
      if (this.pendingLen === 0) line = buf.subarray(start, nl);
      else { this.append(buf.subarray(start, nl)); line = this.take(); }
      if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
      const max = this.maxLineSize;
      while (max > 0 && line.length > max) {
        out.push({ content: line.subarray(0, max), partial: true });
        line = line.subarray(max);
      }
      out.push({ content: line, partial: false });
      start = nl + 1;
    }
    return out;
  }

  /** End of stream: the unterminated tail (if any) as `P` fragments. */
  end(): LineFragment[] {
    if (this.pendingLen === 0) return [];
    let rest = this.take();
    const out: LineFragment[] = [];
    const max = this.maxLineSize;
    while (max > 0 && rest.length > max) {
      out.push({ content: rest.subarray(0, max), partial: true });
      rest = rest.subarray(max);
    }
    out.push({ content: rest, partial: true });
    return out;
  }

  private append(b: Buffer): void {
    if (b.length === 0) return;
    // Copy: the producer may reuse its buffer after the write callback.
    this.pending.push(Buffer.from(b));
    this.pendingLen += b.length;
  }

  private take(): Buffer {
    const b = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLen);
    this.pending = [];
    this.pendingLen = 0;
    return b;
  }

  /**
   * Emit full-size `P` fragments while the tail is longer than the limit. A tail of exactly max+1 bytes ending
   * in `\r` is held: if `\n` follows, the `\r` is stripped and the line fits into one `F` record.
   */
  private emitOverflow(out: LineFragment[]): void {
    const max = this.maxLineSize;
    if (max <= 0 || this.pendingLen <= max) return;
    let all = this.take();
    while (all.length > max && !(all.length === max + 1 && all[max] === CR)) {
      out.push({ content: all.subarray(0, max), partial: true });
      all = all.subarray(max);
    }
    if (all.length > 0) {
      this.pending = [all];
      this.pendingLen = all.length;
    }
  }
}
