/**
 * A Duplex that stands for an accepted socket in front of grpc-js: what the client sends goes through the
 * AuthorityFilter, what the server writes goes to the socket unchanged. Node's http2 accepts any Duplex as a
 * session's socket (it wraps a non-native stream in its JS stream adapter), so this is injected in place of the
 * socket. Backpressure both ways, half-close (end → push(null), final → socket.end()) and destroy/error are
 * propagated; a malformed client stream destroys this connection only.
 */
import { Duplex } from 'node:stream';
import type net from 'node:net';
import { logger } from '../../util/log.js';
import { AuthorityFilter } from './authority-filter.js';

const log = logger('listener/h2');

export class FilteredSocket extends Duplex {
  readonly authority: AuthorityFilter;
  private announced = false;

  /** `initial`: client bytes already read from `sock` (by the connection router); `dropSettingsAcks`: see AuthorityFilter. */
  constructor(private readonly sock: net.Socket, opts: { initial?: Buffer; dropSettingsAcks?: number } = {}) {
    super({ allowHalfOpen: true });
    this.authority = new AuthorityFilter({ dropSettingsAcks: opts.dropSettingsAcks });
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('end', () => this.push(null));
    sock.on('error', (e) => this.destroy(e));
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
    let more = true;
    for (const b of out) more = this.push(b) && more;
    if (!more) this.sock.pause();
  }

  override _read(): void { this.sock.resume(); }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.sock.write(chunk)) { cb(); return; }
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
