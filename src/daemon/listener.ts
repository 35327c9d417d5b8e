/**
 * The CRI endpoint listener. One code path for both platforms: a net.Server on a unix socket (Linux) or a
 * named pipe (Windows) whose connections are injected into grpc-js (Server.createConnectionInjector).
 *
 * grpc-go < 1.57 (kubelet ≤ 1.28; the versions are in h2/authority-filter.ts) and grpc-java send the socket/pipe
 * path as `:authority`, which nghttp2 rejects with RST_STREAM PROTOCOL_ERROR; a FilteredSocket (h2/filtered-socket.ts)
 * rewrites such header blocks to `localhost`. It sits here, below grpc-js, because nghttp2 refuses the stream before any grpc-js hook runs. The
 * connection router (h2/connection-router.ts) looks at each client's first request and injects the raw socket
 * when no rewrite is needed (no JS stream in between), the FilteredSocket otherwise.
 */
import net from 'node:net';
import { chmod, mkdir, unlink, lstat, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { endpointPath } from '../config/config.js';
import { logger } from '../util/log.js';
import { routeConnection } from './h2/connection-router.js';
import { leanConnectionInjector } from '../cri/lean/install.js';

const log = logger('listener');

export interface EndpointListener { path: string; close(): Promise<void> }

function probe(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(path);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

/** Replaces a stale unix socket, refusing when another process still answers on it. */
async function clearStaleSocket(path: string): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  if (await probe(path)) throw new Error(`another process is already serving on ${path}`);
  log.info('removing stale socket', { path });
  await unlink(path);
}

export interface ListenOptions {
  /**
   * Applied once the endpoint exists (the Windows backend sets the named pipe's security descriptor); until it has
   * succeeded every connection is refused, and if it fails the listener closes and listen() rejects.
   */
  secure?: (path: string) => Promise<void>;
}

export async function listen(server: grpc.Server, endpoint: string, opts: ListenOptions = {}): Promise<EndpointListener> {
  const path = endpointPath(endpoint);
  const isPipe = endpoint.startsWith('npipe://');
  if (!isPipe) {
    await mkdir(dirname(path), { recursive: true, mode: 0o750 });
    await clearStaleSocket(path);
  }
  // Kubelet's polls (Version, the relist) are served beneath grpc-js where it may (cri/lean/install.ts).
  const { injector, lean } = leanConnectionInjector(server, grpc.ServerCredentials.createInsecure());
  if (lean !== true) log.debug('lean unary path off', { reason: lean });
  let secured = !opts.secure;
  const netServer = net.createServer((sock) => {
    if (!secured) { sock.destroy(); return; }
    routeConnection(sock, (s) => injector.injectConnection(s));
  });
  // A unix socket file exists from bind() on, a moment before listen(): a client that connects the moment it
  // appears (critest does) would be refused. So bind a neighbour name and rename it into place once listening.
  const bindPath = isPipe ? path : `${path}~`;
  if (!isPipe) await clearStaleSocket(bindPath);
  await new Promise<void>((resolve, reject) => {
    netServer.once('error', reject);
    // On Windows the pipe's security descriptor is set by the Windows backend (SYSTEM + Administrators).
    netServer.listen({ path: bindPath, readableAll: false, writableAll: false }, () => resolve());
  });
  if (!isPipe) {
    await chmod(bindPath, 0o660);
    await rename(bindPath, path);
  }
  if (opts.secure) {
    try {
      await opts.secure(path);
    } catch (e) {
      await new Promise<void>((r) => netServer.close(() => r()));
      injector.destroy();
      if (!isPipe) await unlink(path).catch(() => undefined);
      throw e;
    }
    secured = true;
  }
  log.info('serving CRI', { endpoint });
  return {
    path,
    close: async () => {
      await new Promise<void>((r) => netServer.close(() => r()));
      injector.drain(1000);
      injector.destroy();
      if (!isPipe) await unlink(path).catch(() => undefined);
    },
  };
}
