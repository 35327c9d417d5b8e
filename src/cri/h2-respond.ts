/**
 * Response headers sent from a prebuilt native header list, as ./h2-one-write.ts sends the trailers: `respond`
 * copies the headers object, adds `date`, validates and serializes it into Node's native list on every call (10 %
 * of the daemon's CPU on a Version call with its options copy). The list here is built once per second — the
 * fields, then `date` as Node adds it (`toUTCString()`, last, as `respond` orders it) — and handed to the stream's
 * native `respond` with what `respond` itself does around that call (lib/internal/http2/core.js, Node 20): refresh
 * the stream's timers (`kUpdateTimer`), set the HEADERS_SENT and HAS_TRAILERS flags, keep the sent headers
 * (`sentHeaders`), ask for trailers. The bytes on the wire are `respond`'s.
 *
 * Only for what this was read against: a 200 with `waitForTrailers` on a stream still open with no headers sent;
 * `respondPrebuilt` returns false (nothing done) otherwise, or when an internal is missing (./h2-internals.ts), and
 * the caller uses `respond`. The symbol for `sentHeaders` exists only once a stream has responded, so it is learned
 * from the first stream answered through `respond` (./h2-internals.ts `learnSentHeaders`).
 */
import type { ServerHttp2Stream } from 'node:http2';
import { h2Internals, HAS_TRAILERS, HEADERS_SENT, type NativeStream } from './h2-internals.js';

/** OPTION_GET_TRAILERS in Node 20's lib/internal/http2/core.js. */
const OPTION_GET_TRAILERS = 0x2;

export interface PrebuiltHeaders {
  readonly fields: Readonly<Record<string, string | number>>;
  /** The native list and the sent-headers object for the current second. */
  now(): { list: [string, number]; sent: Record<string, unknown> };
}

export function prebuiltHeaders(fields: Record<string, string | number>): PrebuiltHeaders {
  if (fields[':status'] !== 200 || Object.keys(fields).some((k) => k !== k.toLowerCase() || k === 'date')) throw new Error('prebuilt headers: a 200 with lower-case names and no date');
  let second = -1;
  let cur: { list: [string, number]; sent: Record<string, unknown> } | undefined;
  const base = Object.entries(fields).map(([k, v]) => `${k}\0${v}\0\0`).join('');
  return {
    fields,
    now() {
      const s = Math.floor(Date.now() / 1000);
      if (s !== second || !cur) {
        const date = new Date(s * 1000).toUTCString();
        cur = { list: [`${base}date\0${date}\0\0`, Object.keys(fields).length + 1], sent: Object.assign(Object.create(null), fields, { date }) };
        second = s;
      }
      return cur;
    },
  };
}

/** Responds on `stream` with `h` and waitForTrailers, as `respond` would; false when it cannot (see above). */
export function respondPrebuilt(stream: ServerHttp2Stream, h: PrebuiltHeaders): boolean {
  const i = h2Internals(stream);
  if (!i?.sent || stream.destroyed || stream.closed || stream.headersSent) return false;
  const o = stream as unknown as Record<symbol, unknown>;
  const handle = o[i.handle] as NativeStream | undefined;
  const state = o[i.state] as { flags: number } | undefined;
  if (!handle || !state) return false;
  (o[i.updateTimer] as () => void).call(stream);
  const { list, sent } = h.now();
  state.flags |= HAS_TRAILERS | HEADERS_SENT;
  o[i.sent] = sent;
  const ret = handle.respond(list, OPTION_GET_TRAILERS);
  if (ret < 0) stream.destroy(new Error(`nghttp2 refused the response headers (${ret})`));
  return true;
}
