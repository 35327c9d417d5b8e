/** A do-nothing CRI RuntimeService (Version only) on the unix socket given as argv[2]: the RPC latency floor. */
import * as grpc from '@grpc/grpc-js';
import { loadCri } from '../../src/cri/proto.js';

const cri = loadCri();
const server = new grpc.Server();
server.addService(cri.runtime.v1.RuntimeService.service, {
  Version: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { version: '0.1.0', runtimeName: 'floor', runtimeVersion: '0', runtimeApiVersion: 'v1' }),
});
server.bindAsync(`unix:${process.argv[2]}`, grpc.ServerCredentials.createInsecure(), (e) => {
  if (e) { console.error(e); process.exit(1); }
  process.stdout.write('ready\n');
});
