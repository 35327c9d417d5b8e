/** Loads api/api.proto (upstream cri-api, unmodified) for @grpc/grpc-js. */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/index.js';

/** Must match the flags in api/gen-types.mjs, which generated src/cri/generated from the same file. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false, longs: String, enums: String, defaults: true, oneofs: true,
};

export function protoPath(): string {
  // dist/src/cri/proto.js → <package>/api/api.proto
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    dir = dirname(dir);
    const p = join(dir, 'api', 'api.proto');
    if (existsSync(p)) return p;
  }
  throw new Error('api/api.proto not found next to the wincri installation');
}

let cached: ProtoGrpcType | undefined;
export function loadCri(): ProtoGrpcType {
  if (!cached) {
    const def = protoLoader.loadSync(protoPath(), LOADER_OPTIONS);
    cached = grpc.loadPackageDefinition(def) as unknown as ProtoGrpcType;
  }
  return cached;
}
