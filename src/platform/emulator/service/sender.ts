/**
 * What an output relay (relay.ts, spool-relay.ts) sends its current attachment, read from a source that numbers
 * every byte with its stream offset: from the attachment's start on, as fast as its socket drains, and its end
 * once the stream ended and all was sent.
 *
 * The source drops bytes as the attachment takes them: by receiving them, or, for an acknowledged attachment (the
 * IO keeper), by acknowledging them (acks.ts). An acknowledgement counts up to what this attachment was sent: it
 * may name more, bytes the attacher kept from an attachment before this one (a killed service's) and is sent
 * again now, so it is kept and counts further as those bytes go out. (Counted only up to what was sent at the
 * time it came, it was lost: nothing newer may ever come to acknowledge, when the program is blocked on the full
 * window those very bytes hold.)
 */
import type { Socket } from 'node:net';
import { wireSink } from './acks.js';

export interface SendSource {
  /** Bytes from stream offset `at` on (any amount); undefined while there are none. */
  read(at: number): Buffer | undefined;
  /** The attachment took every byte below `offset`: they may be dropped. */
  take(offset: number): void;
  /** No byte will come after what read() yields. */
  ended(): boolean;
  /**
   * A buffer read() yielded has been written to the socket (or dropped with it): the source may reuse it. Called
   * from the sink's write callback, which means that only for a net.Socket (its bytes are in the kernel then); a
   * stream that keeps the chunks it was given after calling back (a test's Duplex collecting them) must copy them.
   */
  sent?(chunk: Buffer): void;
}

export class Sender {
  private sink?: Socket;
  private acked = false;
  private draining = false;
  private sentTo = 0;
  private ackedTo = 0;

  /** `start`: where the first attachment's bytes would start, as far as the source knows now. */
  constructor(private readonly src: SendSource, start = 0) { this.sentTo = this.ackedTo = start; }

  get attached(): boolean { return !!this.sink && !this.sink.destroyed && !this.sink.writableEnded; }
  /** Offset up to which the current attachment has been sent bytes. */
  get sent(): number { return this.sentTo; }

  /**
   * `sock` (its answer written already) becomes the attachment, sent bytes from `start` on. It must be done with
   * each chunk when it calls that write's callback (a net.Socket is): with a source that reuses its buffers
   * (SendSource.sent) the chunk's bytes are overwritten after that.
   */
  attach(sock: Socket, acked: boolean, start: number): void {
    this.sink = sock;
    this.acked = acked;
    this.draining = false;
    this.sentTo = this.ackedTo = start;
    wireSink(sock, {
      isSink: (s) => this.sink === s,
      drop: (s) => { if (this.sink === s) this.sink = undefined; },
      pump: () => this.pump(),
    }, acked ? (n) => { if (n > this.ackedTo) this.ackedTo = n; this.taken(); } : undefined);
  }

  end(): void { this.sink?.end(); }

  /** Runs `cb` once no attachment is left: now, or when the current one closes. Returns what cancels the wait. */
  whenDetached(cb: () => void): () => void {
    const s = this.sink;
    if (!s || s.destroyed || s.closed) { cb(); return () => undefined; }
    s.once('close', cb);
    return () => { s.off('close', cb); };
  }

  /** Sends what the source holds past what was sent; ends the attachment at the stream's end. */
  pump(): void {
    const sink = this.sink;
    if (!sink || sink.destroyed || this.draining) return;
    for (let chunk = this.src.read(this.sentTo); chunk; chunk = this.src.read(this.sentTo)) {
      this.sentTo += chunk.length;
      this.taken();
      const sent = this.src.sent;
      if (!sink.write(chunk, sent && (() => sent(chunk)))) {
        this.draining = true;
        // A replaced attachment's drain says nothing of the current one's (attach() cleared the flag for it).
        sink.once('drain', () => { if (this.sink !== sink) return; this.draining = false; this.pump(); });
        return;
      }
    }
    // Reading to the end can show the source more of itself (a spool's next segment, which lets the one before it
    // go): what was taken is said again. Else a spool on a nearly full disk waits for room that never comes.
    this.taken();
    if (this.src.ended() && !sink.writableEnded) sink.end();
  }

  private taken(): void { this.src.take(this.acked ? Math.min(this.ackedTo, this.sentTo) : this.sentTo); }
}
