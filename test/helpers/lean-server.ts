/**
 * A grpc-js server behind the daemon's listener (src/daemon/listener.ts) serving RuntimeService.Version through the
 * edge (src/cri/handler.ts), with or without Version registered as a lean route (src/cri/lean/), and raw HTTP/2
 * calls to it, for tests comparing what the lean path and grpc-js put on the wire for the same requests.
 */
import http2 from 'node:http2';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { listen } from '../../src/daemon/listener.js';
import { addLeanRoute } from '../../src/cri/lean/routes.js';
import { decodingService } from '../../src/cri/undecodable.js';
import type { LeanFn, LeanHandler } from '../../src/cri/handler.js';
import { versionService, VERSION_PATH, type VersionReq, type VersionRes } from './version-service.js';
import type { RawAnswer } from './grpc-unary-raw.js';

export const svc = versionService();

export interface LeanServer { session: http2.ClientHttp2Session; leanCalls(): number; close(): Promise<void> }

/** `lean`: Version is also a lean route (counted by leanCalls); `fn`: Version's handler; `options`: grpc.Server options. */
export async function leanServer(lean: boolean, fn?: LeanFn<VersionReq, VersionRes>, options: grpc.ServerOptions = {},
  settings: http2.Settings = {}): Promise<LeanServer> {
  const server = new grpc.Server({ 'grpc.enable_channelz': 0, ...options });
  const handle = svc.lean(fn) as LeanHandler<unknown, unknown>;
  const def = decodingService(svc.def);  // as the daemon's services: an undecodable request reaches the handler marked
  server.addService(def, { Version: handle as grpc.UntypedHandleCall });
  let hits = 0;
  const m = def.Version!;
  if (lean) addLeanRoute(server, { path: VERSION_PATH, deserialize: m.requestDeserialize, serialize: m.responseSerialize, handle: (c, cb) => { hits++; handle(c, cb); } });
  const dir = mkdtempSync(join(tmpdir(), 'lean-'));
  const l = await listen(server, `unix://${join(dir, 's.sock')}`);
  const session = http2.connect('http://localhost', { createConnection: () => net.connect(l.path), settings });
  session.on('error', () => undefined);
  return {
    session,
    leanCalls: () => hits,
    close: async () => {
      await new Promise<void>((r) => session.close(() => r()));
      await l.close();
      server.forceShutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RawCall {
  /** Extra request headers (grpc-timeout, grpc-encoding, content-type…). */
  headers?: Record<string, string>;
  /** The request's DATA, one write each. */
  chunks: Buffer[];
  /** End the request after the chunks (default true). */
  end?: boolean;
  /** Reset the stream after the chunks (then the answer is undefined). */
  cancel?: boolean;
}

const pick = (h: http2.IncomingHttpHeaders, keep: (name: string) => boolean): Record<string, string> =>
  Object.fromEntries(Object.entries(h).filter(([k]) => keep(k)).map(([k, v]) => [k, String(v)]));

function unframe(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o + 5 <= b.length; o += 5 + b.readUInt32BE(o + 1)) out.push(b.subarray(o + 5, o + 5 + b.readUInt32BE(o + 1)));
  return out;
}

/** One call on `session`: its response headers, messages and trailers (a trailers-only answer's grpc-* fields). */
export function rawCall(session: http2.ClientHttp2Session, c: RawCall, path = VERSION_PATH): Promise<RawAnswer | undefined> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...c.headers });
    let headers: Record<string, string> = {};
    let trailers: Record<string, string> = {};
    const data: Buffer[] = [];
    req.on('response', (h) => {
      headers = pick(h, (k) => k === ':status' || k === 'content-type' || k.startsWith('grpc-'));
      if (h['grpc-status'] !== undefined) trailers = pick(h, (k) => k.startsWith('grpc-'));
    });
    req.on('trailers', (t) => { trailers = pick(t, () => true); });
    req.on('data', (d: Buffer) => data.push(d));
    req.on('end', () => {
      if (c.cancel) return;
      resolve({ headers, messages: unframe(Buffer.concat(data)), trailers });
      if (c.end === false) req.close();   // the request was left open: reset it so that the session can close
    });
    req.on('error', reject);
    for (const b of c.chunks) req.write(b);
    if (c.cancel) { req.close(http2.constants.NGHTTP2_CANCEL); req.on('close', () => resolve(undefined)); return; }
    if (c.end !== false) req.end();
  });
}
