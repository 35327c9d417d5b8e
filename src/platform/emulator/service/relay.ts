import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';

/** Relays child output (one or two sources: EmulateConsole merges stderr into stdout) to one attachment. */
export class OutRelay {
  private sink?: Socket;
  private ended = 0;
  constructor(private readonly sources: Readable[]) {
    for (const s of sources) {
      s.on('data', (chunk: Buffer) => {
        if (!this.sink || this.sink.destroyed) { s.pause(); s.unshift(chunk); return; }
        if (!this.sink.write(chunk)) {
          for (const x of this.sources) x.pause();
          this.sink.once('drain', () => { if (this.sink) for (const x of this.sources) x.resume(); });
        }
      });
      s.on('end', () => { if (++this.ended === this.sources.length) this.sink?.end(); });
      s.on('error', () => undefined);
      s.pause();
    }
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

