/**
 * Node 20 http2 stream internals (lib/internal/http2/core.js), found once, for ./h2-respond.ts and
 * ./h2-one-write.ts: the stream's native handle (`kHandle`, with `respond` and `trailers`), its state (`kState`,
 * whose `flags` both set or clear), the timer refresh `respond` runs (`kUpdateTimer`, on a prototype), and the
 * stream's own `_write`/`_final` under its Writable. They are looked up by symbol description on the first stream,
 * only where the gate (./direct-answer-gate.ts) says Node 20's internals are known. If any one is missing, none is
 * used: both callers answer through Node's public API. The symbol of the sent headers (`sent-headers`) exists only
 * once a stream has responded through `respond`, so it is learned afterwards (`learnSentHeaders`).
 */
import type { ServerHttp2Stream } from 'node:http2';
import { DIRECT_MODE } from './direct-answer-gate.js';

/** STREAM_FLAGS_* in Node 20's lib/internal/http2/core.js. */
export const HEADERS_SENT = 0x4;
export const HAS_TRAILERS = 0x20;

export interface H2Internals {
  readonly handle: symbol;
  readonly state: symbol;
  readonly updateTimer: symbol;
  /** Where a stream keeps its sent headers; undefined until learned. */
  sent: symbol | undefined;
}

/** The native handle's calls used here: a native header list (`name\0value\0<flags>` strings) and its count. */
export interface NativeStream {
  respond(list: [string, number], options: number): number;
  trailers(list: [string, number]): number;
}

const symbolNamed = (o: object, name: string): symbol | undefined => Object.getOwnPropertySymbols(o).find((s) => s.description === name);

/** The internals on `stream`, all or none (exported for tests; callers use `h2Internals`). */
export function findInternals(stream: ServerHttp2Stream): H2Internals | null {
  const handle = symbolNamed(stream, 'kHandle');
  const state = symbolNamed(stream, 'state');
  let updateTimer: symbol | undefined;
  for (let p = Object.getPrototypeOf(stream) as object | null; p && !updateTimer; p = Object.getPrototypeOf(p) as object | null) updateTimer = symbolNamed(p, 'kUpdateTimer');
  if (!handle || !state || !updateTimer) return null;
  const o = stream as unknown as Record<symbol, unknown> & { _write?: unknown; _final?: unknown };
  const h = o[handle] as Partial<NativeStream> | undefined;
  const st = o[state] as { flags?: unknown } | undefined;
  const ok = typeof o[updateTimer] === 'function' && typeof o._write === 'function' && typeof o._final === 'function'
    && typeof h?.respond === 'function' && typeof h.trailers === 'function' && typeof st?.flags === 'number';
  return ok ? { handle, state, updateTimer, sent: undefined } : null;
}

let found: H2Internals | null | undefined;

/** This process's internals, looked up on the first stream; null where the public API answers. */
export function h2Internals(stream: ServerHttp2Stream): H2Internals | null {
  if (found === undefined) found = DIRECT_MODE === 'one-write' ? findInternals(stream) : null;
  return found;
}

/** After a `respond` on `stream`: learns where streams keep their sent headers. */
export function learnSentHeaders(stream: ServerHttp2Stream): void {
  const i = h2Internals(stream);
  if (i && !i.sent) i.sent = symbolNamed(stream, 'sent-headers');
}
