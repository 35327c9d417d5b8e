import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { Spill } from './spill.js';
import { Sender } from './sender.js';

/** Bytes of output the relay keeps unacknowledged before it stops reading the pipe (the writer then blocks). */
export const RELAY_WINDOW = 256 * 1024;

export interface OutAttachOptions {
  /** The attachment acknowledges what it has stored: acked bytes are dropped, the rest is replayed to the next. */
  acked?: boolean;
  /** Stream offset to start from (acked attachments): what the previous attachment already stored. */
  from?: number;
  /**
   * The offset the attacher has received up to. A relay made after a service restart numbers the bytes it reads
   * from this offset on (the attacher's numbering continues; what the dead service held is gone).
   */
  resumeAt?: number;
}

/**
 * Where an attachment starts: `start` is the stream offset of its first byte; `gap` bytes before it were lost;
 * `eof`: the pipe has already ended (the attachment gets what is kept, then its end is the output's end).
 */
export interface OutAttachInfo { start: number; gap: number; eof: boolean }

/**
 * Relays child output (one or two sources: EmulateConsole merges stderr into stdout) to one attachment.
 *
 * Every byte read from the pipe has a stream offset. The relay keeps what it read in a bounded window until the
 * attachment takes it: an unacknowledged attachment takes bytes by receiving them (as a pipe handle does); an
 * acknowledged one (the IO keeper) by writing lines "<offset>\n" back on the attachment once the bytes are in its
 * log. When an attachment goes away, the kept bytes are replayed to the next one from the offset it names, so a
 * killed keeper loses nothing that was in flight. A full window stops the relay reading: the program blocks on
 * its pipe, it never loses output.
 *
 * With `spillAt` (the pipe's path) every byte read is also written to a spill file before it is forwarded
 * (spill.ts), and dropped from it as it is taken: a relay re-made after a service kill (`restart`) starts from
 * what the killed one kept, with its numbering, and loses nothing but a read in progress (see spill.ts). Without
 * a spill to recover, a restarted relay is `fresh`: its first acknowledged attachment says where the numbering
 * goes on, and what the dead one held is lost. Output the namespace helper spools to files itself (isolated
 * systems) is relayed by spool-relay.ts instead, which loses nothing; this relay serves the other processes.
 */
export interface RelayOptions { spillAt?: string; restart?: boolean }

export class OutRelay {
  private ended = 0;
  /** Offset of chunks[0][0]; bytes below it are gone (taken). */
  private base = 0;
  private chunks: Buffer[] = [];
  private keptLen = 0;
  private readonly out: Sender;
  private paused = false;
  /** Re-made after a service restart with no spill: the first acknowledged attachment sets the numbering. */
  private fresh = false;
  private spill?: Spill;

  constructor(private readonly sources: Readable[], private readonly opts: RelayOptions = {}) {
    this.out = new Sender({ read: (at) => this.read(at), take: (o) => this.take(o), ended: () => this.ended === this.sources.length });
    const got = opts.spillAt && opts.restart ? Spill.recover(opts.spillAt) : undefined;
    if (got) {
      this.spill = got.spill;
      this.base = got.base;
      this.chunks = got.chunks;
      this.keptLen = got.chunks.reduce((n, c) => n + c.length, 0);
      if (this.keptLen >= RELAY_WINDOW) this.pauseSources();
    } else if (opts.restart) {
      this.fresh = true;
    } else if (opts.spillAt) {
      this.spill = Spill.start(opts.spillAt, 0);
    }
    for (const s of sources) {
      s.on('data', (chunk: Buffer) => {
        this.spill?.append(chunk, this.offset);
        this.chunks.push(chunk);
        this.keptLen += chunk.length;
        if (this.keptLen >= RELAY_WINDOW) this.pauseSources();
        this.out.pump();
      });
      s.on('end', () => { if (++this.ended === this.sources.length) { this.out.pump(); this.settle(); } });
      s.on('error', () => undefined);
    }
    this.settle();
  }

  get attached(): boolean { return this.out.attached; }
  /** Runs `cb` once no attachment is left (now, or when the current one closes); returns what cancels the wait. */
  whenDetached(cb: () => void): () => void { return this.out.whenDetached(cb); }
  /** Bytes read from the pipe and not yet taken by an attachment. */
  get kept(): number { return this.keptLen; }
  /** Offset of the next byte the pipe will yield. */
  get offset(): number { return this.base + this.keptLen; }

  attach(sock: Socket, opts: OutAttachOptions, ready: (info: OutAttachInfo) => void): void {
    if (this.fresh) {
      if (opts.acked) this.base = Math.max(opts.resumeAt ?? opts.from ?? 0, 0);
      this.fresh = false;
      this.startSpill();
    }
    const from = Math.min(Math.max(opts.from ?? this.base, 0), this.offset);
    const gap = from < this.base ? this.base - from : 0;
    this.take(Math.max(from, this.base));
    ready({ start: this.base, gap, eof: this.ended === this.sources.length });
    this.out.attach(sock, !!opts.acked, this.base);
  }

  close(): void { for (const s of this.sources) s.destroy(); this.out.end(); this.spill?.remove(); }

  /** A fresh relay's spill starts once its numbering is known, with what it already holds. */
  private startSpill(): void {
    if (!this.opts.spillAt) return;
    this.spill = Spill.start(this.opts.spillAt, this.base);
    let at = this.base;
    for (const c of this.chunks) { this.spill?.append(c, at); at += c.length; }
  }

  /** The pipe ended and everything was taken: nothing will ever be replayed, the spill goes. */
  private settle(): void {
    if (this.ended === this.sources.length && this.keptLen === 0) this.spill?.remove();
  }

  /** Drops kept bytes below `offset` and reads on if the window has room again. */
  private take(offset: number): void {
    while (this.base < offset && this.chunks.length > 0) {
      const head = this.chunks[0]!;
      const n = Math.min(head.length, offset - this.base);
      if (n === head.length) this.chunks.shift(); else this.chunks[0] = head.subarray(n);
      this.base += n;
      this.keptLen -= n;
    }
    this.spill?.trim(this.base);
    this.settle();
    if (this.paused && this.keptLen < RELAY_WINDOW) { this.paused = false; for (const x of this.sources) x.resume(); }
  }

  private pauseSources(): void {
    if (this.paused) return;
    this.paused = true;
    for (const x of this.sources) x.pause();
  }

  /** The kept bytes from offset `at` on (one chunk's worth); undefined when there are none yet. */
  private read(at: number): Buffer | undefined {
    let skip = at - this.base;
    for (const b of this.chunks) { if (skip < b.length) return b.subarray(skip); skip -= b.length; }
    return undefined;
  }
}
