/**
 * A Duplex that stands for an accepted socket in front of grpc-js: what the client sends goes through the
 * AuthorityFilter, what the server writes goes to the socket unchanged. Node's http2 accepts any Duplex as a
 * session's socket (it wraps a non-native stream in its JS stream adapter), so this is injected in place of the
 * socket. Backpressure both ways, half-close (end → push(null), final → socket.end()) and destroy are propagated
 * (a socket error closes this stream, see the constructor); a malformed client stream destroys this connection only.
 *
 * Behind the adapter the session should see what it sees on a socket it reads and writes itself: each client read
 * is handed on as one chunk (one pass of nghttp2 over it, as on a raw socket), each write of the session (the
 * adapter corks this stream around its buffers: frame headers and payload slices, 8 for a relist answer) leaves in
 * one socket write, not one each, and client PINGs are answered here (answerPing). Without these a grpc-go < 1.57
 * client (kubelet <= 1.28) relisted at about half the speed of a client on the raw socket.
 */
import { Duplex } from 'node:stream';
import type net from 'node:net';
import { logger } from '../../util/log.js';
import { AuthorityFilter } from './authority-filter.js';
import { FrameType } from './frames.js';

const log = logger('listener/h2');
/** A PING frame header with the ACK flag, 8 bytes of payload, stream 0. */
const PING_ACK_HEADER = Buffer.from([0, 0, 8, FrameType.PING, 0x1, 0, 0, 0, 0]);
/**
 * PING ACKs answered here per cork period (until the corked ACKs are flushed). nghttp2 closes a session whose peer
 * leaves more than 1000 SETTINGS/PING ACKs queued unsent (its default max_outbound_ack, which Node keeps); past this
 * many the PINGs go to the session, so a flood still meets that limit.
 */
export const MAX_CORKED_PING_ACKS = 1000;

export class FilteredSocket extends Duplex {
  readonly authority: AuthorityFilter;
  private announced = false;
  /** The session has written (its SETTINGS, the server's preface, is out): PINGs may be answered here. */
  private wrote = false;
  /** PING ACKs are corked on the socket until the session's next write or the next turn of the loop. */
  private acking = false;
  /** PING ACKs written in the current cork period. */
  private acks = 0;

  /** `initial`: client bytes already read from `sock` (by the connection router); `dropSettingsAcks`: see AuthorityFilter. */
  constructor(private readonly sock: net.Socket, opts: { initial?: Buffer; dropSettingsAcks?: number } = {}) {
    super({ allowHalfOpen: true });
    this.authority = new AuthorityFilter({ dropSettingsAcks: opts.dropSettingsAcks, onPing: (p) => this.answerPing(p) });
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('end', () => this.push(null));
    // A socket error (the client hung up: EPIPE, ECONNRESET) closes this stream without an error. Passed on as an
    // 'error', it reached the session through Node's stream adapter while the adapter still held a write (it
    // completes writes a turn of the loop later), and the session, destroyed with that error, wrote its last frames
    // into the adapter, which failed an internal assertion that kills the process (grpc-go clients closing).
    sock.on('error', (e) => { log.debug('client connection failed', { error: e }); this.destroy(); });
    sock.on('close', () => this.destroy());
    if (opts.initial?.length) this.onData(opts.initial);
    this.once('close', () => {
      if (this.authority.rewrites > 0) log.debug('rewrote :authority for nghttp2', { authority: this.authority.originalAuthority, replacement: 'localhost', headerBlocks: this.authority.rewrites });
    });
  }

  private onData(chunk: Buffer): void {
    let out: Buffer[];
    try {
      out = this.authority.push(chunk);
    } catch (e) {
      log.warn('closing a connection that sent malformed HTTP/2', { error: e });
      this.destroy();
      return;
    }
    if (!this.announced && this.authority.rewrites > 0) {
      this.announced = true;
      log.debug('client sends a path as :authority; rewriting its header blocks', { authority: this.authority.originalAuthority });
    }
    if (out.length === 0) return;
    // One chunk per client read, as the session gets from a socket it reads itself (see the top of this file).
    if (!this.push(out.length === 1 ? out[0]! : Buffer.concat(out))) this.sock.pause();
  }

  override _read(): void { this.sock.resume(); }

  /**
   * A client PING is answered here, not by the session: the session answers a PING at the end of the read that
   * brought it, before the request in the same read has been served (behind a stream adapter, grpc-js serves it
   * after the read returns), and its write of the ACK completes only a turn of the loop later (the adapter's
   * setImmediate), which holds the answer back until then. grpc-go sends a PING (its BDP probe) after most
   * requests. The ACK is corked and leaves with the session's next write (the answer) or at the next turn.
   * Passed on to the session (its flood limits apply) before its first write, while the socket is backed up, past
   * MAX_CORKED_PING_ACKS in one cork period, and once the socket is no longer writable: after a graceful close
   * (GOAWAY, then end) the client may still send a PING before its FIN, and a write after end would turn that close
   * into a destroy, losing the final answers.
   *
   * Two differences from nghttp2, both within RFC 9113: a PING nghttp2 would reject (one before the client's
   * SETTINGS has completed its preface) is answered here; the session still sees the bad preface and closes the
   * connection. And a PING ACK may leave before the SETTINGS ACK of a SETTINGS read just before it (the session
   * writes that one later), where nghttp2 sends them in arrival order: the RFC orders neither against other frames
   * and has PING responses go before other frames (§6.7).
   */
  private answerPing(payload: Buffer): boolean {
    if (!this.wrote || !this.sock.writable || this.sock.writableNeedDrain || this.acks >= MAX_CORKED_PING_ACKS) return false;
    if (!this.acking) {
      this.acking = true;
      this.sock.cork();
      setImmediate(() => this.flushAcks());
    }
    this.acks++;
    this.sock.write(Buffer.concat([PING_ACK_HEADER, payload]));
    return true;
  }

  private flushAcks(): void {
    if (!this.acking) return;
    this.acking = false;
    this.acks = 0;
    this.sock.uncork();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.wrote = true;
    const ok = this.sock.write(chunk);
    this.flushAcks();
    this.whenWritten(ok, cb);
  }

  /**
   * What the session writes at once (Node's stream adapter corks this stream around the buffers of one native
   * write: frame headers and payload slices, 8 for a relist answer) leaves in one socket write, not one each.
   */
  override _writev(chunks: { chunk: Buffer }[], cb: (e?: Error | null) => void): void {
    this.wrote = true;
    this.sock.cork();
    let ok = true;
    for (const c of chunks) ok = this.sock.write(c.chunk);
    this.sock.uncork();
    this.flushAcks();
    this.whenWritten(ok, cb);
  }

  /** Calls `cb` now, or once the socket has drained (`ok`: its write returned true). */
  private whenWritten(ok: boolean, cb: (e?: Error | null) => void): void {
    // A socket already closed emits neither 'drain' nor 'close' again.
    if (ok || this.sock.destroyed) { cb(); return; }
    const done = (): void => { this.sock.off('drain', done); this.sock.off('close', done); cb(); };
    this.sock.on('drain', done);
    this.sock.on('close', done);
  }

  override _final(cb: (e?: Error | null) => void): void { this.sock.end(() => cb()); }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.sock.destroy();
    cb(err);
  }
}
