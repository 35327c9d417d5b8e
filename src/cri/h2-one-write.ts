/**
 * A complete HTTP/2 answer — HEADERS, the body as DATA, the trailing HEADERS — flushed in one socket write.
 *
 * Through Node's public API a gRPC answer takes two writes, each a turn of the event loop: the session flushes
 * HEADERS + DATA in one turn, but the writable side is shut only after that write's callback, so the end of the
 * data and 'wantTrailers' come in a second flush, and `sendTrailers` defers the trailers by a setImmediate to a
 * third turn's flush. Here the writable side is shut at once (`_final`, the stream's own shutdown; Node's later
 * call of it does nothing more), so the session's first flush reaches the end of the data and asks for the
 * trailers while it is still packing frames; they are submitted right there (nghttp2 allows `submit_trailer`
 * inside its data read callback) and go out in the same write.
 *
 * The body goes to the stream's own `_write`, not through its Writable (`write`): the stream closes, and Node
 * destroys it, inside that same flush, before the write's completion comes back; a Writable that sees a write
 * complete on a destroyed stream builds an ERR_STREAM_DESTROYED error (Node 20 builds it even with nobody to
 * hand it to), and that error's stack trace was the largest single cost of a cheap RPC in the daemon (13 % of its
 * CPU in the Version bench). Written beneath the Writable, nothing is pending in it when the stream is destroyed.
 *
 * Submitting the trailers synchronously takes three things Node keeps internal (lib/internal/http2/core.js): the
 * stream's native handle (`kHandle`), its state (`kState`, whose STREAM_FLAGS_HAS_TRAILERS bit `sendTrailers`
 * clears) and the native header list (`name\0value\0<flags>` strings and their count). They are found by
 * ./h2-internals.ts on Node 20 only, where that format was read; anywhere else, or if any is missing, the public
 * path (`end(body)` + `sendTrailers`) answers: the same bytes, in two writes.
 */
import type { ServerHttp2Stream } from 'node:http2';
import { h2Internals, learnSentHeaders, HAS_TRAILERS, type H2Internals, type NativeStream } from './h2-internals.js';
import { respondPrebuilt, type PrebuiltHeaders } from './h2-respond.js';

/** The stream's own write and shutdown, under its Writable (see the top of this file). */
interface DirectStream { _write(chunk: Buffer, encoding: string, cb: (e?: Error | null) => void): void; _final(cb: () => void): void }
const ignore = (): void => undefined;

/** Trailers in both forms: the object for the public path, Node's native header list for the direct one. */
export interface Trailers { fields: Record<string, string>; list: [string, number] }

export function trailers(fields: Record<string, string>): Trailers {
  let s = '';
  for (const [name, value] of Object.entries(fields)) {
    if (name !== name.toLowerCase() || name.includes('\0') || value.includes('\0')) throw new Error(`invalid trailer ${name}`);
    s += `${name}\0${value}\0\0`;   // \0 as the flags: NGHTTP2_NV_FLAG_NONE
  }
  return { fields, list: [s, Object.keys(fields).length] };
}

let publicOnly = false;

/** Test-only: answer through the public path (the one other Node versions take) while `on`. */
export function forcePublicPathForTests(on: boolean): void { publicOnly = on; }

function submitTrailers(stream: ServerHttp2Stream, t: Trailers, i: H2Internals): void {
  const s = stream as unknown as Record<symbol, unknown>;
  const handle = s[i.handle] as NativeStream | undefined;
  const state = s[i.state] as { flags: number } | undefined;
  if (!handle || !state || stream.destroyed || stream.closed) return;
  state.flags &= ~HAS_TRAILERS;
  const ret = handle.trailers(t.list);
  if (ret < 0) stream.destroy(new Error(`nghttp2 refused the trailers (${ret})`));
}

/**
 * Answers on `stream`: `headers` (from their prebuilt list where the one write is used), then `body` as DATA, then the trailers `at()` gives when the last DATA is out
 * (later than this call when flow control holds the body back); in one write where Node allows (see above).
 */
export function answer(stream: ServerHttp2Stream, headers: PrebuiltHeaders, body: Buffer, at: () => Trailers): void {
  const i = publicOnly ? null : h2Internals(stream);
  if (!i || !respondPrebuilt(stream, headers)) {  // the prebuilt list (./h2-respond.ts) where the one write is used
    stream.respond(headers.fields, { waitForTrailers: true });
    if (i) learnSentHeaders(stream);
  }
  if (!i) {
    stream.once('wantTrailers', () => stream.sendTrailers(at().fields));
    stream.end(body);
    return;
  }
  stream.once('wantTrailers', () => submitTrailers(stream, at(), i));
  const s = stream as unknown as DirectStream;
  s._write(body, 'buffer', ignore); // a failed write destroys the stream with its error (Node's write path)
  s._final(ignore);
  stream.end();
}
