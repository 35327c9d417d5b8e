import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';

/**
 * Relays child output (one or two sources: EmulateConsole merges stderr into stdout) to one attachment.
 * A program writing small blocks (stdio's 4 KiB to a pipe) hands over one read per block when the relay keeps
 * up; the reads of one event-loop turn are corked into one socket write, so the IO keeper on the other end
 * reads (and logs) them as one chunk instead of a wake-up per 4 KiB.
 */
export class OutRelay {
  private sink?: Socket;
  private ended = 0;
  private corked = false;
  constructor(private readonly sources: Readable[]) {
    for (const s of sources) {
      s.on('data', (chunk: Buffer) => {
        if (!this.sink || this.sink.destroyed) { s.pause(); s.unshift(chunk); return; }
        this.sink.write(chunk);
        this.cork(this.sink);
      });
      s.on('end', () => { if (++this.ended === this.sources.length) this.sink?.end(); });
      s.on('error', () => undefined);
      s.pause();
    }
  }
  /**
   * Corks the sink until the reads of this event-loop turn are done (setImmediate runs after the poll phase),
   * then writes them at once; if the socket then holds more than it wants, the sources wait for its drain.
   */
  private cork(sink: Socket): void {
    if (this.corked) return;
    this.corked = true;
    sink.cork();
    setImmediate(() => {
      this.corked = false;
      sink.uncork();
      if (!sink.writableNeedDrain || sink.destroyed) return;
      for (const x of this.sources) x.pause();
      sink.once('drain', () => { if (this.sink === sink) for (const x of this.sources) x.resume(); });
    });
  }
  get attached(): boolean { return !!this.sink && !this.sink.destroyed; }
  attach(sock: Socket): void {
    this.sink = sock;
    const detach = () => { if (this.sink === sock) { this.sink = undefined; for (const x of this.sources) x.pause(); } };
    sock.on('close', detach);
    sock.on('error', detach);
    // The client never writes on an output attachment: its EOF means it went away (the socket is half-open
    // server-side), so stop relaying into it and keep the bytes in the pipe for the next attachment.
    sock.on('end', () => { detach(); sock.destroy(); });
    sock.resume();
    if (this.ended === this.sources.length) { sock.end(); return; }
    for (const x of this.sources) x.resume();
  }
  close(): void { for (const s of this.sources) s.destroy(); this.sink?.end(); }
}

