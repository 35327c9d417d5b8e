/**
 * A connection to the service, as JSON lines (../protocol.ts): its first line may be an attachment request, which
 * takes the socket over for one process stream (server-attach.ts: no more lines are read from it); otherwise each
 * line is a request. A line that is not JSON ends the connection. A request connection answers the client's end
 * with its own and reports its close; an attachment's socket belongs to its stream from then on.
 */
import type { Socket } from 'node:net';
import { LineSplitter, type AttachRequest, type WireRequest } from '../protocol.js';

export interface FramingHandlers {
  request(msg: WireRequest): void;
  /** The first line asked for a stream: the socket is the attachment's (paused; not read as lines any more). */
  attach(msg: AttachRequest): void;
  /** A request connection went away. */
  closed(): void;
}

export function frameConnection(sock: Socket, on: FramingHandlers): void {
  let first = true;
  let attached = false;
  const onData = (chunk: Buffer) => splitter.push(chunk);
  const splitter = new LineSplitter((line) => {
    let msg: WireRequest | AttachRequest;
    try { msg = JSON.parse(line) as WireRequest | AttachRequest; } catch {
      sock.destroy();
      return;
    }
    if (first && 'attach' in msg) {
      first = false;
      attached = true;
      sock.off('data', onData);
      on.attach(msg);
      return;
    }
    first = false;
    on.request(msg as WireRequest);
  });
  sock.on('data', onData);
  sock.on('error', () => undefined);
  sock.on('end', () => { if (!attached) sock.end(); });
  sock.on('close', () => { if (!attached) on.closed(); });
}
