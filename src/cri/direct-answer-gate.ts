/**
 * When the edge may answer a call on its stream itself (./direct-answer.ts). That answer copies grpc-js's response
 * headers and trailers and reads fields of its call object, as grpc-js 1.14 has them; package.json allows any
 * grpc-js 1.x, so the direct answer is used only with the 1.14.x it was checked against. The one-write submit of
 * the trailers (./h2-one-write.ts) reads Node 20's internals, so it is used on Node 20 only; elsewhere the direct
 * answer goes through Node's public API (two writes).
 */
import { createRequire } from 'node:module';

export type DirectMode = 'one-write' | 'public' | 'off';

/** The grpc-js line whose headers, trailers and call fields the direct answer copies. */
const VERIFIED_GRPC_JS = /^1\.14\.\d+$/;

/** The decision, from the running Node's version and the installed grpc-js's version. */
export function directMode(node: string, grpcJs: string | undefined): DirectMode {
  if (!grpcJs || !VERIFIED_GRPC_JS.test(grpcJs)) return 'off';
  return node.replace(/^v/, '').split('.')[0] === '20' ? 'one-write' : 'public';
}

function installedGrpcJs(): string | undefined {
  try {
    const v = (createRequire(import.meta.url)('@grpc/grpc-js/package.json') as { version?: unknown }).version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** This process's decision (read once). */
export const DIRECT_MODE: DirectMode = directMode(process.versions.node, installedGrpcJs());
