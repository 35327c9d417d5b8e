/**
 * Relays a spooled output stream to one attachment: the namespace helper that waits for the program writes the
 * program's output to spill segments (ns-helper-spool-source.ts) and rings a doorbell, the FIFO at the stream's
 * pipe path; this relay reads the segments from where its attachment stands whenever it rings (and at start).
 *
 * The segments are the only copy: this service reads bytes out of them, it never takes any from a pipe, so a kill
 * of the service at any point loses nothing and repeats nothing. A restarted service's relay starts at the oldest
 * segment left and its acknowledged attachment (the IO keeper) names the offset replay starts from. Segments all
 * of whose bytes the attachment took (acknowledged, or received when it does not acknowledge) are removed; the
 * waiter stops reading the program's pipe while too many bytes are left on disk, so the program blocks, nothing
 * is dropped. The doorbell's end (the waiter closed it after the last byte) is the stream's end.
 */
import { closeSync, openSync, readSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { OutAttachInfo, OutAttachOptions } from './relay.js';
import { removeSpills, segPath, spillSegments } from './spill.js';
import { wireSink } from './acks.js';
import { StallWatch } from './spool-health.js';

const READ = 256 * 1024;

export class SpoolRelay {
  private sink?: Socket;
  private acked = false;
  private ended = false;
  /** Offset below which the attachment has taken every byte. */
  private base: number;
  /** Offset up to which the current attachment has been sent bytes. */
  private sent: number;
  private draining = false;
  /** Bases of the segments known to exist, oldest first. */
  private segs: number[];
  private cur?: { base: number; fd: number };
  private fresh: boolean;
  private readonly buf = Buffer.allocUnsafe(READ);

  /** `bell`: the doorbell's read side; absent when the doorbell is gone (the stream had ended). */
  constructor(private readonly bell: Readable | undefined, private readonly pipe: string) {
    this.segs = spillSegments(pipe).map((s) => s.base);
    this.fresh = this.segs.length === 0;
    this.base = this.segs[0] ?? 0;
    this.sent = this.base;
    if (!bell) this.ended = true;
    const stalls = new StallWatch(pipe);
    bell?.on('data', (b: Buffer) => { stalls.feed(b); this.pump(); });
    bell?.on('end', () => { this.ended = true; this.pump(); this.settle(); });
    bell?.on('error', () => undefined);
  }

  get attached(): boolean { return !!this.sink && !this.sink.destroyed && !this.sink.writableEnded; }

  attach(sock: Socket, opts: OutAttachOptions, ready: (info: OutAttachInfo) => void): void {
    this.sink = sock;
    this.acked = !!opts.acked;
    this.draining = false;
    // No segment seen yet: the numbering is the attacher's (nothing was written, or all of it was taken).
    if (this.fresh) this.base = this.sent = Math.max(opts.from ?? opts.resumeAt ?? 0, 0);
    this.fresh = false;
    const from = Math.max(opts.from ?? this.base, 0);
    const gap = from < this.base ? this.base - from : 0;
    this.take(from);
    this.sent = this.base;
    ready({ start: this.base, gap, eof: this.ended });
    wireSink(sock, {
      isSink: (s) => this.sink === s,
      drop: (s) => { if (this.sink === s) this.sink = undefined; },
      pump: () => this.pump(),
    }, this.acked ? (n) => this.take(Math.min(n, this.sent)) : undefined);
  }

  close(): void {
    this.bell?.destroy();
    this.sink?.end();
    this.closeSeg();
    removeSpills({ pipe: this.pipe });
  }

  /** Drops segments all of whose bytes are below `offset` (the newest always stays). */
  private take(offset: number): void {
    if (offset > this.base) this.base = offset;
    while (this.segs.length > 1 && this.segs[1]! <= this.base) rmSync(segPath(this.pipe, this.segs.shift()!), { force: true });
    this.settle();
  }

  /** The stream ended and the attachment took all of it: nothing will be replayed, the segments go. */
  private settle(): void {
    if (this.ended && this.base === this.sent && !this.read(true)) { this.closeSeg(); removeSpills({ pipe: this.pipe }); }
  }

  /** Sends the attachment what the segments hold past what it was sent; ends it at the stream's end. */
  private pump(): void {
    const sink = this.sink;
    if (!sink || sink.destroyed || this.draining) return;
    for (let chunk = this.read(); chunk; chunk = this.read()) {
      this.sent += chunk.length;
      if (!this.acked) this.take(this.sent);
      if (!sink.write(chunk)) {
        this.draining = true;
        sink.once('drain', () => { this.draining = false; if (this.sink === sink) this.pump(); });
        return;
      }
    }
    if (this.ended && !sink.writableEnded) sink.end();
  }

  /** The bytes at `sent` (up to READ); undefined when none are written yet. `peek`: only whether there are any. */
  private read(peek = false): Buffer | undefined {
    for (;;) {
      const cur = this.cur && this.cur.base <= this.sent ? this.cur : this.open(this.segs.filter((b) => b <= this.sent).pop() ?? this.sent);
      if (!cur) return undefined;
      const n = readSync(cur.fd, this.buf, 0, peek ? 1 : READ, this.sent - cur.base);
      // A copy of what was read: a short read must not pin a whole buffer in the socket's queue.
      if (n > 0) return Buffer.from(this.buf.subarray(0, n));
      // A segment ends where its successor starts; the waiter makes that one once this one is full.
      if (cur.base === this.sent || !this.open(this.sent)) return undefined;
    }
  }

  private open(base: number): { base: number; fd: number } | undefined {
    let fd: number;
    try { fd = openSync(segPath(this.pipe, base), 'r'); } catch { return undefined; }
    this.closeSeg();
    if (!this.segs.includes(base)) { this.segs.push(base); this.segs.sort((a, b) => a - b); }
    this.cur = { base, fd };
    return this.cur;
  }

  private closeSeg(): void {
    if (this.cur) closeSync(this.cur.fd);
    this.cur = undefined;
  }
}
