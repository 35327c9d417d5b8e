/**
 * Per connection, decides whether the client needs the :authority filter, so that well-behaved clients get the raw
 * socket (Node's http2 then reads it natively) and pay nothing, while grpc-go < 1.57 / grpc-java keep working
 * through the FilteredSocket.
 *
 * The decision needs the client's first header block. grpc-go sends HEADERS only after the server's SETTINGS, so
 * the router sends an empty SETTINGS frame itself at once (a legal server preface; grpc-js's session sends its own
 * SETTINGS next — a second SETTINGS frame is legal) and buffers what the client sends until both its first complete
 * header block and its ACK of that SETTINGS have arrived. The ACK is removed (SETTINGS are acknowledged in order,
 * so the client's first ACK is ours; nghttp2 would reject it as an unexpected ACK). Then:
 *   - every header block so far has an acceptable :authority (the AuthorityFilter, run on the buffered bytes,
 *     rewrote nothing): the socket is paused, the bytes are unshifted and the raw socket is injected — Node's
 *     http2 consumes the bytes already buffered on a net.Socket when its session starts;
 *   - otherwise, or when the client does something before its first request that expects an answer (PING,
 *     GOAWAY, RST_STREAM…), sends more than MAX_BUFFERED, or has not acknowledged within ACK_WAIT_MS after its
 *     request: a FilteredSocket fed the buffered bytes, whose filter drops the client's first SETTINGS ACK (in the
 *     buffered bytes or still to come).
 * A client that hangs up before its first request is dropped. Clients use one :authority per connection, so the
 * first header block stands for the connection.
 */
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { FRAME_HEADER_LENGTH, Flags, FrameType, PREFACE, readFrameHeader } from './frames.js';
import { AuthorityFilter } from './authority-filter.js';
import { FilteredSocket } from './filtered-socket.js';

/** An empty SETTINGS frame: length 0, type SETTINGS, no flags, stream 0. */
export const EMPTY_SETTINGS = Buffer.from([0, 0, 0, FrameType.SETTINGS, 0, 0, 0, 0, 0]);
export const MAX_BUFFERED = 256 * 1024;
export const ACK_WAIT_MS = 1000;

/** Frames a client may send before its first request without waiting for an answer. */
const QUIET = new Set<number>([FrameType.SETTINGS, FrameType.WINDOW_UPDATE, FrameType.PRIORITY, FrameType.HEADERS, FrameType.CONTINUATION, FrameType.DATA]);

export type Route = 'raw' | 'filtered';

interface Scan { ackAt: number; blockDone: boolean; unusual: boolean }

/** Walks the complete frames after the preface: where the first SETTINGS ACK is, whether a header block ended. */
function scan(b: Buffer): Scan {
  const r: Scan = { ackAt: -1, blockDone: false, unusual: false };
  for (let off = PREFACE.length; off + FRAME_HEADER_LENGTH <= b.length;) {
    const f = readFrameHeader(b.subarray(off, off + FRAME_HEADER_LENGTH));
    if (off + FRAME_HEADER_LENGTH + f.length > b.length) break;
    if (!QUIET.has(f.type)) r.unusual = true;
    if (f.type === FrameType.SETTINGS && f.flags & 0x1 && r.ackAt < 0) {
      if (f.length !== 0) r.unusual = true;
      r.ackAt = off;
    }
    if ((f.type === FrameType.HEADERS || f.type === FrameType.CONTINUATION) && f.flags & Flags.END_HEADERS) r.blockDone = true;
    off += FRAME_HEADER_LENGTH + f.length;
  }
  return r;
}

/** True when the AuthorityFilter leaves these bytes as they are (no header block needs a rewrite). */
function passesUnchanged(b: Buffer): boolean {
  const probe = new AuthorityFilter();
  try {
    probe.push(b);
    return probe.rewrites === 0;
  } catch {
    return false;
  }
}

/** Takes an accepted socket over until the route is known, then hands the raw socket or a FilteredSocket to `inject`. */
export function routeConnection(sock: net.Socket, inject: (s: net.Socket | Duplex, route: Route) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  let flushed = false;
  let done = false;
  let ackTimer: NodeJS.Timeout | undefined;

  const detach = (): void => {
    done = true;
    clearTimeout(ackTimer);
    sock.off('data', onData);
    sock.off('end', onEnd);
    sock.off('error', onError);
  };
  const filtered = (): void => {
    detach();
    const s = new FilteredSocket(sock, { initial: buf, dropSettingsAcks: 1 });
    inject(s, 'filtered');
  };
  const raw = (ackAt: number): void => {
    detach();
    sock.pause();
    sock.unshift(Buffer.concat([buf.subarray(0, ackAt), buf.subarray(ackAt + FRAME_HEADER_LENGTH)]));
    inject(sock, 'raw');
  };
  const decide = (): void => {
    if (done) return;
    const n = Math.min(buf.length, PREFACE.length);
    if (!buf.subarray(0, n).equals(PREFACE.subarray(0, n))) { filtered(); return; }
    const s = scan(buf);
    if (s.unusual || buf.length > MAX_BUFFERED) { filtered(); return; }
    if (!s.blockDone || !flushed) return;
    if (s.ackAt < 0) {
      ackTimer ??= setTimeout(() => { if (!done) filtered(); }, ACK_WAIT_MS);
      return;
    }
    const without = Buffer.concat([buf.subarray(0, s.ackAt), buf.subarray(s.ackAt + FRAME_HEADER_LENGTH)]);
    if (passesUnchanged(without)) raw(s.ackAt); else filtered();
  };
  const onData = (c: Buffer): void => { buf = buf.length ? Buffer.concat([buf, c]) : c; decide(); };
  const onEnd = (): void => { detach(); sock.destroy(); };
  const onError = (): void => { detach(); sock.destroy(); };
  sock.on('data', onData);
  sock.on('end', onEnd);
  sock.on('error', onError);
  sock.write(EMPTY_SETTINGS, () => { flushed = true; decide(); });
}
