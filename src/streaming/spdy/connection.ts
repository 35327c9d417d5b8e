/**
 * Server side of one SPDY/3.1 connection, the subset moby/spdystream (client-go) speaks: client-opened streams
 * only (odd, increasing IDs), PING echo, GOAWAY, RST_STREAM, half-close, idle timeout. No flow control: SETTINGS
 * and WINDOW_UPDATE are parsed and ignored (spdystream never sends WINDOW_UPDATE, so honouring windows would
 * stall every stream after 64 KiB). Memory stays bounded through socket backpressure instead (see stream.ts).
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { FrameParser, SpdyProtocolError } from './parser.js';
import { CONTROL, FLAG_FIN, FLAG_UNIDIRECTIONAL, GOAWAY, MAX_PAYLOAD, RST, controlFrame, dataFrameHeader } from './raw.js';
import { decodeControl, encodeControl, type ControlFrame } from './frames.js';
import { HeaderCompressor, HeaderDecompressor } from './zlib-context.js';
import { setLongTimeout, type LongTimeout } from '../../util/long-timer.js';
import { SpdyStream, type StreamOwner } from './stream.js';

/** Outgoing DATA frames carry at most this much (Go's reader allocates a frame's payload at once). */
export const MAX_DATA_FRAME = 64 * 1024;
const CLOSE_GRACE_MS = 5000;

export interface SpdyConnectionOptions {
  /** Closes the connection when no frame moved either way for this long. */
  idleTimeoutMs: number;
  /** A new stream from the client; call accept() or reset() on it. */
  onStream(stream: SpdyStream): void;
  /** Protocol failures and timeouts, for the log. */
  onWarning?(message: string): void;
}

export class SpdyConnection extends EventEmitter implements StreamOwner {
  private readonly streams = new Map<number, SpdyStream>();
  private readonly parser = new FrameParser({
    control: (type, flags, payload) => this.onControl(decodeControl(type, flags, payload, this.inflate)),
    data: (id, flags, piece, last) => this.onData(id, flags, piece, last),
  });
  private readonly deflate = new HeaderCompressor();
  private readonly inflate = new HeaderDecompressor();
  private readonly pausedBy = new Set<SpdyStream>();
  private drainWaiters: (() => void)[] = [];
  private lastRemoteId = 0;
  private goingAway = false;
  private isClosed = false;
  private readonly idle: LongTimeout;
  readonly closed: Promise<void>;

  constructor(private readonly socket: Duplex, private readonly opts: SpdyConnectionOptions) {
    super();
    this.closed = new Promise((resolve) => this.once('close', resolve));
    this.idle = setLongTimeout(() => { this.warn('idle timeout'); void this.close(); }, opts.idleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onBytes(chunk));
    socket.on('drain', () => this.flushDrain());
    socket.on('end', () => { if (!this.parser.idle) this.warn('connection ended inside a frame'); this.destroy(); });
    socket.on('error', (e: Error) => { this.warn(`socket: ${e.message}`); this.destroy(); });
    socket.on('close', () => this.destroy());
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /** Graceful close: cancels streams we have not finished, sends GOAWAY, ends the socket (destroyed after a grace). */
  async close(): Promise<void> {
    if (this.isClosed || this.goingAway) return this.closed;
    this.goingAway = true;
    for (const s of [...this.streams.values()]) if (!s.localDone) s.reset(RST.Cancel);
    this.writeFrame(encodeControl({ type: 'goaway', flags: 0, lastGoodStreamId: this.lastRemoteId, status: GOAWAY.Ok }, this.deflate));
    this.socket.end();
    const t = setTimeout(() => this.destroy(), CLOSE_GRACE_MS);
    t.unref();
    return this.closed;
  }

  /** Feeds bytes that arrived before the connection existed (the rest of an HTTP upgrade's first packet). */
  start(head?: Buffer): void {
    if (head && head.length > 0) this.onBytes(head);
  }

  /** Immediate close: the socket is destroyed (after `lingerMs`, to let queued frames out), every stream ends. */
  destroy(lingerMs = 0): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.idle.clear();
    if (lingerMs > 0) {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), lingerMs).unref();
    } else {
      this.socket.destroy();
    }
    for (const s of [...this.streams.values()]) s.onConnectionClosed();
    this.streams.clear();
    this.flushDrain();
    this.deflate.close();
    this.inflate.close();
    this.emit('close');
  }

  // --- StreamOwner ---------------------------------------------------------------------------------------------

  sendReply(stream: SpdyStream): void {
    this.writeFrame(encodeControl({ type: 'syn_reply', flags: 0, streamId: stream.id, headers: {} }, this.deflate));
  }

  sendReset(streamId: number, status: number): void {
    this.writeFrame(encodeControl({ type: 'rst_stream', flags: 0, streamId, status }, this.deflate));
  }

  sendData(streamId: number, data: Buffer, fin: boolean, done: () => void): void {
    let ok = true;
    for (let off = 0; off < data.length || (fin && off === 0); off += MAX_DATA_FRAME) {
      const piece = data.subarray(off, off + MAX_DATA_FRAME);
      const last = off + MAX_DATA_FRAME >= data.length;
      ok = this.writeData(dataFrameHeader(streamId, fin && last ? FLAG_FIN : 0, piece.length), piece);
      if (data.length === 0) break;
    }
    if (ok || this.isClosed) done(); else this.drainWaiters.push(done);
  }

  pauseFor(stream: SpdyStream): void {
    this.pausedBy.add(stream);
    this.socket.pause();
  }

  resumeFor(stream: SpdyStream): void {
    if (!this.pausedBy.delete(stream) || this.pausedBy.size > 0 || this.isClosed) return;
    this.socket.resume();
  }

  forget(stream: SpdyStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
  }

  // --- input ---------------------------------------------------------------------------------------------------

  private onBytes(chunk: Buffer): void {
    if (this.isClosed) return;
    this.idle.refresh();
    try {
      this.parser.push(chunk);
    } catch (e) {
      this.fail(e);
    }
  }

  private onData(id: number, flags: number, piece: Buffer, last: boolean): void {
    if (id === 0) throw new SpdyProtocolError('DATA frame on stream 0');
    const s = this.streams.get(id);
    const fin = last && (flags & FLAG_FIN) !== 0;
    if ((!s || !s.onData(piece, fin)) && last) this.sendReset(id, s ? RST.StreamAlreadyClosed : RST.InvalidStream);
  }

  private onControl(f: ControlFrame): void {
    switch (f.type) {
      case 'syn_stream': return this.onSynStream(f);
      case 'rst_stream': return this.streams.get(f.streamId)?.onReset(f.status);
      case 'ping':
        // client pings are odd; even IDs would be answers to pings we never send
        if (f.id % 2 === 1) this.writeFrame(controlFrame(CONTROL.Ping, 0, u32(f.id)));
        return;
      case 'goaway': this.emit('goaway', f.status); return;
      case 'headers': this.streams.get(f.streamId)?.emit('headers', f.headers); return;
      case 'window_update':
        if (f.delta === 0 && f.streamId !== 0) this.sendReset(f.streamId, RST.FlowControlError);
        return;
      case 'syn_reply': this.sendReset(f.streamId, RST.ProtocolError); return; // we never open streams
      case 'settings': case 'unknown': return;
    }
  }

  private onSynStream(f: Extract<ControlFrame, { type: 'syn_stream' }>): void {
    if (f.streamId === 0) throw new SpdyProtocolError('SYN_STREAM for stream 0');
    if (f.streamId % 2 === 0 || f.streamId <= this.lastRemoteId) return this.sendReset(f.streamId, RST.ProtocolError);
    this.lastRemoteId = f.streamId;
    if (this.goingAway) return this.sendReset(f.streamId, RST.RefusedStream);
    const s = new SpdyStream(this, f.streamId, f.headers, { fin: (f.flags & FLAG_FIN) !== 0, unidirectional: (f.flags & FLAG_UNIDIRECTIONAL) !== 0 });
    if (!s.finished) this.streams.set(f.streamId, s);
    this.opts.onStream(s);
  }

  // --- output --------------------------------------------------------------------------------------------------

  private writeFrame(frame: Buffer): boolean {
    if (this.isClosed || this.socket.writableEnded) return true;
    if (frame.length - 8 > MAX_PAYLOAD) throw new RangeError('SPDY frame too large');
    this.idle.refresh();
    return this.socket.write(frame);
  }

  /** A DATA frame as its header and the caller's payload, written together (writev) without copying the payload. */
  private writeData(header: Buffer, payload: Buffer): boolean {
    if (payload.length === 0) return this.writeFrame(header);
    if (this.isClosed || this.socket.writableEnded) return true;
    this.idle.refresh();
    this.socket.cork();
    this.socket.write(header);
    const ok = this.socket.write(payload);
    this.socket.uncork();
    return ok;
  }

  private flushDrain(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const done of w) done();
  }

  private fail(e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    this.warn(`protocol error, closing the connection: ${msg}`);
    if (!(e instanceof SpdyProtocolError)) this.warn(`(unexpected) ${(e as Error).stack ?? msg}`);
    this.writeFrame(encodeControl({ type: 'goaway', flags: 0, lastGoodStreamId: this.lastRemoteId, status: GOAWAY.ProtocolError }, this.deflate));
    this.destroy(CLOSE_GRACE_MS);
  }

  private warn(message: string): void {
    this.opts.onWarning?.(message);
  }
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
