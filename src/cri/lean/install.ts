/**
 * The connection injector of a grpc.Server with the lean unary path (./serve.ts) in front of grpc-js: the HTTP/2
 * server grpc-js makes for the injector gets one 'stream' listener that serves a registered route (./routes.ts)
 * itself and hands every other stream to grpc-js's own listener, unchanged. Routed here: a registered `:path`, a
 * `content-type` grpc-js accepts (`application/grpc…`) and no request compression other than identity; anything
 * else (a 415, an unknown method, a gzip or deflate request) is grpc-js's to answer.
 *
 * grpc-js has no public hook for this, so it reads grpc-js 1.14's server (the line ../direct-answer-gate.ts admits):
 * `createHttp2Server` (wrapped for the one call that makes the injector's HTTP/2 server, to learn which it is),
 * `channelzEnabled` and `interceptors` (with channelz or an interceptor the path is not used: both would miss the
 * calls served here), `options` (the message size limits) and `onStreamOpened` (its per-stream idle bookkeeping,
 * called for lean streams too). When any of that is missing, or WINCRI_GRPC_LEAN=0, grpc-js serves every call.
 */
import type { Http2Server, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type * as grpc from '@grpc/grpc-js';
import { DIRECT_MODE } from '../direct-answer-gate.js';
import { leanRoutes, type LeanRoute } from './routes.js';
import { serveLean, type LeanLimits } from './serve.js';

interface GrpcServerInternals {
  createHttp2Server?: (creds: grpc.ServerCredentials) => Http2Server;
  channelzEnabled?: unknown; interceptors?: unknown; options?: Record<string, unknown>;
  onStreamOpened?: (stream: ServerHttp2Stream) => void;
}

type StreamListener = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, raw?: string[]) => void;

/** Whether the lean path may be put in front of `server`'s calls, and why not. */
export function leanUnavailable(server: grpc.Server, env = process.env): string | undefined {
  const s = server as unknown as GrpcServerInternals;
  if (env.WINCRI_GRPC_LEAN === '0') return 'WINCRI_GRPC_LEAN=0';
  if (DIRECT_MODE === 'off') return 'not the grpc-js line it was checked against';
  if (typeof s.createHttp2Server !== 'function' || typeof s.options !== 'object' || !s.options) return 'grpc-js server internals not found';
  if (s.channelzEnabled !== false) return 'channelz is on';
  if (!Array.isArray(s.interceptors) || s.interceptors.length > 0) return 'server interceptors are installed';
  return undefined;
}

const limit = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);

/** grpc-js's size limits for `options` (its defaults: 4 MiB received, no limit sent). */
export function leanLimits(options: Record<string, unknown>): LeanLimits {
  return { maxReceive: limit(options['grpc.max_receive_message_length'], 4 * 1024 * 1024), maxSend: limit(options['grpc.max_send_message_length'], -1) };
}

/** Routed to the lean path: a registered route whose request grpc-js would accept as it is. */
function routeOf(routes: ReadonlyMap<string, LeanRoute>, headers: IncomingHttpHeaders): LeanRoute | undefined {
  const route = routes.get(headers[':path'] as string);
  if (!route) return undefined;
  const type = headers['content-type'];
  if (typeof type !== 'string' || !type.startsWith('application/grpc')) return undefined;
  const enc = headers['grpc-encoding'];
  return enc === undefined || enc === 'identity' ? route : undefined;
}

/** Puts the lean path in front of the single grpc-js 'stream' listener of `h2`; false (nothing changed) otherwise. */
export function front(h2: Http2Server, routes: ReadonlyMap<string, LeanRoute>, limits: LeanLimits, opened?: (s: ServerHttp2Stream) => void): boolean {
  const grpcListeners = h2.listeners('stream') as StreamListener[];
  if (grpcListeners.length !== 1) return false;
  const grpcJs = grpcListeners[0]!;
  h2.removeListener('stream', grpcJs);
  h2.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, raw?: string[]) => {
    const route = routeOf(routes, headers);
    if (!route) { grpcJs.call(h2, stream, headers, flags, raw); return; }
    opened?.(stream);
    serveLean(stream, headers, route, limits);
  });
  return true;
}

type Injector = ReturnType<grpc.Server['createConnectionInjector']>;

/** `server.createConnectionInjector(creds)`, and the HTTP/2 servers grpc-js made for it (its own method, wrapped for that call only). */
function injectorAndServers(server: grpc.Server, creds: grpc.ServerCredentials): { injector: Injector; made: Http2Server[] } {
  const s = server as unknown as GrpcServerInternals;
  const original = s.createHttp2Server!;
  const made: Http2Server[] = [];
  s.createHttp2Server = function (this: unknown, c: grpc.ServerCredentials) { const h = original.call(this, c); made.push(h); return h; };
  try {
    return { injector: server.createConnectionInjector(creds), made };
  } finally {
    delete s.createHttp2Server;  // the prototype's method again
    if (s.createHttp2Server !== original) s.createHttp2Server = original;
  }
}

/** `server.createConnectionInjector(creds)`, with the lean path in front where it may be (see above); `lean`: true, or why not. */
export function leanConnectionInjector(server: grpc.Server, creds: grpc.ServerCredentials): { injector: Injector; lean: string | true } {
  const routes = leanRoutes(server);
  const why = routes ? leanUnavailable(server) : 'no lean routes';
  if (why) return { injector: server.createConnectionInjector(creds), lean: why };
  const { injector, made } = injectorAndServers(server, creds);
  const s = server as unknown as GrpcServerInternals;
  const opened = typeof s.onStreamOpened === 'function' ? s.onStreamOpened.bind(server) : undefined;
  const ok = made.length === 1 && front(made[0]!, routes!, leanLimits(s.options!), opened);
  return { injector, lean: ok ? true : 'grpc-js made no single HTTP/2 server with one stream listener' };
}
