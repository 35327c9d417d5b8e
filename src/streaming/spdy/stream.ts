/**
 * One SPDY stream as a Node Duplex. Readable side: DATA the peer sends (FIN or RST ends it). Writable side:
 * becomes DATA frames; end() sends FIN. Backpressure both ways goes through the owning connection: a write
 * completes only once the socket has room, and a full readable buffer pauses the socket until it is read.
 */
import { Duplex } from 'node:stream';
import { RST } from './raw.js';
import type { SpdyHeaders } from './header-block.js';

/** What a stream needs from its connection. */
export interface StreamOwner {
  sendReply(stream: SpdyStream): void;
  sendReset(streamId: number, status: number): void;
  sendData(streamId: number, data: Buffer, fin: boolean, done: () => void): void;
  pauseFor(stream: SpdyStream): void;
  resumeFor(stream: SpdyStream): void;
  forget(stream: SpdyStream): void;
}

export class SpdyStream extends Duplex {
  private replied = false;
  /** We sent FIN or RST: nothing more goes out. */
  private localClosed = false;
  /** The peer sent FIN or RST: nothing more comes in. */
  private remoteClosed = false;

  constructor(private readonly owner: StreamOwner, readonly id: number, readonly headers: SpdyHeaders, opts: { fin: boolean; unidirectional: boolean }) {
    super({ allowHalfOpen: true });
    if (opts.unidirectional) this.localClosed = true;
    if (opts.fin) this.remoteEnd();
  }

  /** Accepts the stream (SYN_REPLY with no headers), as the Kubernetes stream handlers do for every stream. */
  accept(): void {
    if (this.replied || this.localClosed) return;
    this.replied = true;
    this.owner.sendReply(this);
  }

  /** Refuses or cancels the stream (RST_STREAM); both directions end. */
  reset(status: number = RST.Cancel): void {
    if (!this.localClosed || !this.remoteClosed) this.owner.sendReset(this.id, status);
    this.localClosed = true;
    this.remoteEnd();
  }

  /** True when both directions are over. */
  get finished(): boolean {
    return this.localClosed && this.remoteClosed;
  }

  get localDone(): boolean {
    return this.localClosed;
  }

  /** Called by the connection for each piece of a DATA frame. Returns false if the stream was already closed. */
  onData(piece: Buffer, fin: boolean): boolean {
    if (this.remoteClosed) return false;
    if (piece.length > 0 && !this.push(piece)) this.owner.pauseFor(this);
    if (fin) this.remoteEnd();
    return true;
  }

  /** The peer reset the stream. */
  onReset(status: number): void {
    this.localClosed = true;
    this.remoteEnd();
    this.emit('reset', status);
  }

  /** The connection is gone: end everything without sending anything. */
  onConnectionClosed(): void {
    this.localClosed = true;
    this.remoteEnd();
    this.destroy();
  }

  override _read(): void {
    this.owner.resumeFor(this);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.localClosed) return cb(); // reset or gone: the bytes have nowhere to go
    this.accept();
    this.owner.sendData(this.id, chunk, false, () => cb());
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.localClosed) return cb();
    this.accept();
    this.localClosed = true;
    this.owner.sendData(this.id, Buffer.alloc(0), true, () => cb());
    this.maybeForget();
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    if (!this.localClosed) this.reset(RST.Cancel);
    this.owner.resumeFor(this);
    this.owner.forget(this);
    cb(err);
  }

  private remoteEnd(): void {
    if (this.remoteClosed) return;
    this.remoteClosed = true;
    this.push(null);
    this.owner.resumeFor(this);
    this.maybeForget();
  }

  private maybeForget(): void {
    if (this.finished) this.owner.forget(this);
  }
}
