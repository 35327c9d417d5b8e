/** gRPC clients (RuntimeService, ImageService) for any CRI endpoint, and a promisified unary call. */
import * as grpc from '@grpc/grpc-js';
import { loadCri } from '../../src/cri/proto.js';

export function criClients(endpoint: string): { runtime: grpc.Client; image: grpc.Client } {
  const cri = loadCri();
  const addr = endpoint.replace(/^unix:\/\//, 'unix:');
  return {
    runtime: new cri.runtime.v1.RuntimeService(addr, grpc.credentials.createInsecure()) as unknown as grpc.Client,
    image: new cri.runtime.v1.ImageService(addr, grpc.credentials.createInsecure()) as unknown as grpc.Client,
  };
}

export { call } from '../../test/e2e/harness.js';
