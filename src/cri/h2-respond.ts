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
 * `respondPrebuilt` returns false (nothing done) otherwise, or when an internal is missing, and the caller uses
 * `respond`. The symbol for `sentHeaders` exists only once a stream has responded, so it is learned from the first
 * stream answered through `respond` (`learn`).
 */
import type { ServerHttp2Stream } from 'node:http2';

/** In Node 20's lib/internal/http2/core.js. */
const HEADERS_SENT = 0x4;
const HAS_TRAILERS = 0x20;
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

interface Syms { handle: symbol; state: symbol; updateTimer: symbol; sent?: symbol }
type Native = { respond(list: [string, number], options: number): number };
let syms: Syms | null | undefined;

function symbolsOf(stream: ServerHttp2Stream): Syms | null {
  let handle: symbol | undefined, state: symbol | undefined, updateTimer: symbol | undefined;
  for (const s of Object.getOwnPropertySymbols(stream)) {
    if (s.description === 'kHandle') handle = s;
    else if (s.description === 'state') state = s;
  }
  for (let p = Object.getPrototypeOf(stream) as object | null; p && !updateTimer; p = Object.getPrototypeOf(p) as object | null) {
    updateTimer = Object.getOwnPropertySymbols(p).find((s) => s.description === 'kUpdateTimer');
  }
  const o = stream as unknown as Record<symbol, unknown>;
  if (!handle || !state || !updateTimer || typeof o[updateTimer] !== 'function') return null;
  const h = o[handle] as Partial<Native> | undefined;
  const st = o[state] as { flags?: unknown } | undefined;
  return typeof h?.respond === 'function' && typeof st?.flags === 'number' ? { handle, state, updateTimer } : null;
}

/** After a `respond` on `stream`: learns where it keeps the sent headers. */
export function learn(stream: ServerHttp2Stream): void {
  if (syms === undefined) syms = symbolsOf(stream);
  if (!syms || syms.sent) return;
  syms.sent = Object.getOwnPropertySymbols(stream).find((s) => s.description === 'sent-headers');
}

/** Responds on `stream` with `h` and waitForTrailers, as `respond` would; false when it cannot (see above). */
export function respondPrebuilt(stream: ServerHttp2Stream, h: PrebuiltHeaders): boolean {
  if (syms === undefined) syms = symbolsOf(stream);
  if (!syms?.sent || stream.destroyed || stream.closed || stream.headersSent) return false;
  const o = stream as unknown as Record<symbol, unknown>;
  const handle = o[syms.handle] as Native | undefined;
  const state = o[syms.state] as { flags: number } | undefined;
  if (!handle || !state) return false;
  (o[syms.updateTimer] as () => void).call(stream);
  const { list, sent } = h.now();
  state.flags |= HAS_TRAILERS | HEADERS_SENT;
  o[syms.sent] = sent;
  const ret = handle.respond(list, OPTION_GET_TRAILERS);
  if (ret < 0) stream.destroy(new Error(`nghttp2 refused the response headers (${ret})`));
  return true;
}
