/**
 * Unary gRPC calls over Node's own http2 client, for tests comparing what a grpc-js server puts on the wire
 * (response headers, message, trailers) when the edge answers on the stream and when grpc-js's callback does.
 */
import http2 from 'node:http2';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { grpcMessage } from './h2.js';

export interface RawAnswer {
  /** `:status`, content-type and every grpc-* response header. */
  headers: Record<string, string>;
  /** The gRPC message bodies, prefixes removed. */
  messages: Buffer[];
  /** Every trailer; for a trailers-only answer the grpc-* fields of its single header block. */
  trailers: Record<string, string>;
}

const pick = (h: http2.IncomingHttpHeaders, keep: (name: string) => boolean): Record<string, string> =>
  Object.fromEntries(Object.entries(h).filter(([k]) => keep(k)).map(([k, v]) => [k, String(v)]));
const responseHeader = (k: string) => k === ':status' || k === 'content-type' || k.startsWith('grpc-') || k.startsWith('x-');

function unframe(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o + 5 <= b.length;) {
    const n = b.readUInt32BE(o + 1);
    out.push(b.subarray(o + 5, o + 5 + n));
    o += 5 + n;
  }
  return out;
}

export interface CallOptions {
  /** grpc-timeout header value (e.g. '3S'). */
  timeout?: string;
  /** Runs once the response headers arrive, with the stream paused: the call resumes when it resolves. */
  held?: () => Promise<void>;
}

export function rawUnary(session: http2.ClientHttp2Session, path: string, request: Buffer, o: CallOptions = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = session.request({
      ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...(o.timeout ? { 'grpc-timeout': o.timeout } : {}),
    });
    if (o.held) req.pause();
    let headers: Record<string, string> = {};
    let trailers: Record<string, string> = {};
    const data: Buffer[] = [];
    req.on('response', (h) => {
      headers = pick(h, responseHeader);
      if (h['grpc-status'] !== undefined) trailers = pick(h, (k) => k.startsWith('grpc-'));   // trailers-only
      if (o.held) o.held().then(() => req.resume(), reject);
    });
    req.on('trailers', (t) => { trailers = pick(t, () => true); });
    req.on('data', (c: Buffer) => data.push(c));
    req.on('end', () => resolve({ headers, messages: unframe(Buffer.concat(data)), trailers }));
    req.on('error', reject);
    req.end(grpcMessage(request));
  });
}

export interface RawServer { session: http2.ClientHttp2Session; close(): Promise<void> }

/** A grpc-js server with `options` serving `def` with `impl` on a unix socket, and an http2 session to it. */
export async function rawServer(def: grpc.ServiceDefinition, impl: grpc.UntypedServiceImplementation, options: grpc.ServerOptions = {},
  settings: http2.Settings = {}): Promise<RawServer> {
  const server = new grpc.Server({ 'grpc.enable_channelz': 0, ...options });
  server.addService(def, impl);
  const dir = mkdtempSync(join(tmpdir(), 'grpc-raw-'));
  const path = join(dir, 's.sock');
  await new Promise<void>((ok, fail) => server.bindAsync(`unix:${path}`, grpc.ServerCredentials.createInsecure(), (e) => (e ? fail(e) : ok())));
  const session = http2.connect('http://localhost', { createConnection: () => net.connect(path), settings });
  return {
    session,
    close: async () => {
      await new Promise<void>((r) => session.close(() => r()));
      server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
