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
import { Sender } from './sender.js';
import { StallWatch } from './spool-health.js';
import { BufferPool } from '../../../util/buffer-pool.js';

const READ = 256 * 1024;
/**
 * Read buffers, shared by all relays (util/buffer-pool.ts): a read goes to the socket in its own buffer, given back
 * when the socket has written it (a relay has one or two writes queued: the sender waits for 'drain'; the socket
 * must be a net.Socket, see Sender.attach). A read under a quarter of a buffer is copied out instead, so a trickle
 * does not pin a whole buffer per write.
 */
const reads = new BufferPool(READ, 4);
const SHORT = READ / 4;

export class SpoolRelay {
  private ended = false;
  /** Offset below which the attachment has taken every byte. */
  private base: number;
  private readonly out: Sender;
  /** Bases of the segments known to exist, oldest first. */
  private segs: number[];
  private cur?: { base: number; fd: number };
  private fresh: boolean;
  private readonly peekBuf = Buffer.allocUnsafe(1);

  /** `bell`: the doorbell's read side; absent when the doorbell is gone (the stream had ended). */
  constructor(private readonly bell: Readable | undefined, private readonly pipe: string) {
    this.segs = spillSegments(pipe).map((s) => s.base);
    this.fresh = this.segs.length === 0;
    this.base = this.segs[0] ?? 0;
    if (!bell) this.ended = true;
    this.out = new Sender({ read: (at) => this.read(at), take: (o) => this.take(o), ended: () => this.ended, sent: (b) => reads.give(b) }, this.base);
    const stalls = new StallWatch(pipe);
    bell?.on('data', (b: Buffer) => { stalls.feed(b); this.out.pump(); });
    bell?.on('end', () => { this.ended = true; this.out.pump(); this.settle(); });
    bell?.on('error', () => undefined);
  }

  get attached(): boolean { return this.out.attached; }
  /** Runs `cb` once no attachment is left (now, or when the current one closes); returns what cancels the wait. */
  whenDetached(cb: () => void): () => void { return this.out.whenDetached(cb); }

  attach(sock: Socket, opts: OutAttachOptions, ready: (info: OutAttachInfo) => void): void {
    // No segment seen yet: the numbering is the attacher's (nothing was written, or all of it was taken).
    if (this.fresh) this.base = Math.max(opts.from ?? opts.resumeAt ?? 0, 0);
    this.fresh = false;
    const from = Math.max(opts.from ?? this.base, 0);
    const gap = from < this.base ? this.base - from : 0;
    this.take(from);
    ready({ start: this.base, gap, eof: this.ended });
    this.out.attach(sock, !!opts.acked, this.base);
  }

  close(): void {
    this.bell?.destroy();
    this.out.end();
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
    if (this.ended && this.base === this.out.sent && !this.read(this.base, true)) { this.closeSeg(); removeSpills({ pipe: this.pipe }); }
  }

  /**
   * The bytes at `at` (up to READ), `at` being what was sent (reads go forward); undefined when none are written
   * yet. `peek`: only whether there are any.
   */
  private read(at: number, peek = false): Buffer | undefined {
    for (;;) {
      const cur = this.cur && this.cur.base <= at ? this.cur : this.open(this.segs.filter((b) => b <= at).pop() ?? at);
      if (!cur) return undefined;
      if (peek) {
        if (readSync(cur.fd, this.peekBuf, 0, 1, at - cur.base) > 0) return this.peekBuf;
      } else {
        const buf = reads.take();
        const n = readSync(cur.fd, buf, 0, READ, at - cur.base);
        if (n >= SHORT) return buf.subarray(0, n);
        const copy = n > 0 ? Buffer.from(buf.subarray(0, n)) : undefined;
        reads.give(buf);
        if (copy) return copy;
      }
      // A segment ends where its successor starts; the waiter makes that one once this one is full.
      if (cur.base === at || !this.open(at)) return undefined;
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
