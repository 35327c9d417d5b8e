/**
 * RuntimeService.Version served through the edge (src/cri/handler.ts wrapUnary), either answered on the stream
 * (the response serializer handed to wrapUnary) or through grpc-js's callback (none handed), for tests comparing
 * the two. grpc-js's own serializer counts its calls: it runs only when grpc-js's callback answers.
 */
import type * as grpc from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { wrapLean, wrapUnary, type LeanFn, type LeanHandler, type UnaryFn } from '../../src/cri/handler.js';
import { loadCri } from '../../src/cri/proto.js';
import { createRpcMetrics } from '../../src/cri/rpc-metrics.js';
import type { CriContext } from '../../src/cri/context.js';

export interface VersionReq { version: string }
export interface VersionRes { version: string; runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }

/** 'big' asks for a ~300 KB answer (more than a client's default 64 KiB stream window). */
export const versionOf = (req: VersionReq): VersionRes =>
  ({ version: '0.1.0', runtimeName: 'wincri', runtimeVersion: req.version === 'big' ? 'v'.repeat(300_000) : '1.2.3', runtimeApiVersion: 'v1' });

export const VERSION_PATH = '/runtime.v1.RuntimeService/Version';

export function versionService(): {
  def: grpc.ServiceDefinition; impl: (direct: boolean, fn?: UnaryFn<VersionReq, VersionRes>) => grpc.UntypedServiceImplementation;
  /** Version's edge as a lean route's handler (also usable as grpc-js's), answering on the stream. */
  lean: (fn?: LeanFn<VersionReq, VersionRes>) => LeanHandler<VersionReq, VersionRes>;
  request: (r: VersionReq) => Buffer; decode: (b: Buffer) => VersionRes; grpcJsSerialized: () => number;
} {
  const base = loadCri().runtime.v1.RuntimeService.service as grpc.ServiceDefinition;
  const method = base.Version!;
  let count = 0;
  const def = { ...base, Version: { ...method, responseSerialize: (v: unknown) => { count++; return method.responseSerialize(v); } } };
  const ctx = { isReady: () => true, metrics: createRpcMetrics(new Registry()) } as unknown as CriContext;
  return {
    def,
    impl: (direct, fn = versionOf) => ({
      Version: wrapUnary<VersionReq, VersionRes>('RuntimeService', 'Version', ctx, fn, direct ? method.responseSerialize : undefined),
    }),
    lean: (fn = versionOf) => wrapLean<VersionReq, VersionRes>('RuntimeService', 'Version', ctx, fn, method.responseSerialize),
    request: (r) => method.requestSerialize(r),
    decode: (b) => method.responseDeserialize(b) as VersionRes,
    grpcJsSerialized: () => count,
  };
}
