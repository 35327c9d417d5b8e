/**
 * Incremental SPDY frame parser: accepts the byte stream in chunks of any size. Control frames are delivered
 * whole (their payload is small and bounded); data frames are delivered as they arrive, piece by piece, so a
 * 16 MiB frame never sits in memory at once. Malformed framing raises SpdyProtocolError; the connection that
 * owns the parser then goes away (nothing else is affected).
 */
import { SPDY_VERSION } from './raw.js';

export class SpdyProtocolError extends Error {}

export interface ParserSink {
  control(type: number, flags: number, payload: Buffer): void;
  /** One piece of a data frame; `last` is true on the final piece (flags apply then; a 0-length frame has one). */
  data(streamId: number, flags: number, piece: Buffer, last: boolean): void;
}

export class FrameParser {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  /** Data frame being streamed through: its stream, flags and bytes still to come. */
  private inData: { streamId: number; flags: number; remaining: number } | undefined;

  constructor(private readonly sink: ParserSink, private readonly maxControlPayload = 1 << 20) {}

  push(chunk: Buffer): void {
    if (chunk.length > 0) { this.pending.push(chunk); this.pendingLen += chunk.length; }
    for (;;) {
      if (this.inData) {
        if (!this.streamData()) return;
        continue;
      }
      if (this.pendingLen < 8) return;
      const head = this.peek(8);
      const length = head.readUInt32BE(4) & 0xffffff;
      const flags = head[4]!;
      if (head[0]! & 0x80) {
        const version = head.readUInt16BE(0) & 0x7fff;
        if (version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${version}`);
        if (length > this.maxControlPayload) throw new SpdyProtocolError(`control frame of ${length} bytes is too large`);
        if (this.pendingLen < 8 + length) return;
        this.take(8);
        this.sink.control(head.readUInt16BE(2), flags, this.take(length));
      } else {
        this.take(8);
        this.inData = { streamId: head.readUInt32BE(0) & 0x7fffffff, flags, remaining: length };
        if (length === 0) { this.inData = undefined; this.sink.data(head.readUInt32BE(0) & 0x7fffffff, flags, Buffer.alloc(0), true); }
      }
    }
  }

  /** True when the parser is between frames (used to detect a truncated stream at end of input). */
  get idle(): boolean {
    return this.inData === undefined && this.pendingLen === 0;
  }

  private streamData(): boolean {
    const d = this.inData!;
    if (this.pendingLen === 0) return false;
    const piece = this.take(Math.min(d.remaining, this.pending[0]!.length));
    d.remaining -= piece.length;
    const last = d.remaining === 0;
    if (last) this.inData = undefined;
    this.sink.data(d.streamId, d.flags, piece, last);
    return true;
  }

  private peek(n: number): Buffer {
    if (this.pending[0]!.length < n) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    if (this.pending[0]!.length < n) this.pending = [Buffer.concat(this.pending)];
    const first = this.pending[0]!;
    const out = first.subarray(0, n);
    if (first.length === n) this.pending.shift(); else this.pending[0] = first.subarray(n);
    this.pendingLen -= n;
    return out;
  }
}
