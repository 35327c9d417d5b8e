/**
 * The unary methods the edge serves beneath grpc-js (./serve.ts), by HTTP/2 `:path`, kept per grpc.Server: the
 * services register them while they are added (../server.ts) and the listener finds them when it creates the
 * server's connection injector (./install.ts).
 */
import type * as grpc from '@grpc/grpc-js';
import type { LeanHandler } from '../handler.js';

export interface LeanRoute {
  /** `/package.Service/Method`. */
  path: string;
  /** The method's request deserializer (never throws for CRI methods: ../undecodable.ts marks bad requests). */
  deserialize: (b: Buffer) => unknown;
  /** The method's response serializer. */
  serialize: (v: unknown) => Buffer;
  /**
   * The method's edge (../handler.ts wrapLean), also its grpc-js handler: it reads `call.request` and answers through
   * `call.call` or the callback. Typed on the lean call (./serve.ts LeanCall), so a handler reading Metadata or the
   * peer, which that call does not have, is refused here by the typecheck.
   */
  handle: LeanHandler<unknown, unknown>;
}

const routes = new WeakMap<grpc.Server, Map<string, LeanRoute>>();

export function addLeanRoute(server: grpc.Server, route: LeanRoute): void {
  let m = routes.get(server);
  if (!m) routes.set(server, (m = new Map()));
  m.set(route.path, route);
}

export function leanRoutes(server: grpc.Server): ReadonlyMap<string, LeanRoute> | undefined {
  return routes.get(server);
}
