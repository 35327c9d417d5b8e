/**
 * The call a lean method's handler is given (src/cri/handler.ts LeanUnaryCall): served beneath grpc-js it has no
 * request Metadata and no peer, so a lean handler that reads them must not compile (checked by the typecheck of
 * this file: each @ts-expect-error fails the build once the line it marks compiles), and only lean methods get
 * the lean edge.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as grpc from '@grpc/grpc-js';
import { wrapLean, type LeanFn } from '../../../src/cri/handler.js';
import type { LeanRoute } from '../../../src/cri/lean/routes.js';
import type { CriContext } from '../../../src/cri/context.js';

interface Req { version: string }

// @ts-expect-error a lean handler cannot read the request Metadata
export const readsMetadata: LeanFn<Req, Req> = (req, _ctx, call) => ({ version: `${req.version}${call.metadata.get('x').length}` });
// @ts-expect-error nor the peer
export const readsPeer: LeanFn<Req, Req> = (_req, _ctx, call) => ({ version: call.getPeer() });
/** What it may read: the request, the path, the deadline. */
export const readsWhatItHas: LeanFn<Req, Req> = (req, _ctx, call) => ({ version: `${req.version} ${call.getPath()} ${String(call.getDeadline())}` });

/** A grpc-js handler typed on grpc-js's full call cannot be registered as a lean route. */
export function notALeanRoute(handle: grpc.handleUnaryCall<unknown, unknown>): LeanRoute {
  // @ts-expect-error grpc-js's call has members the lean call lacks
  return { path: '/x', deserialize: (b) => b, serialize: (v) => v as Buffer, handle };
}

test('wrapLean gives the lean edge to lean methods only', () => {
  const ctx = { isReady: () => true } as unknown as CriContext;
  assert.equal(typeof wrapLean('RuntimeService', 'Version', ctx, readsWhatItHas), 'function');
  assert.throws(() => wrapLean('RuntimeService', 'Status', ctx, readsWhatItHas), /not a lean method/);
});
