/**
 * A do-nothing CRI RuntimeService (Version only) on the unix socket given as argv[2]: the RPC latency floor.
 * argv[3] `no-channelz` starts it with channelz off, as the daemon runs (src/daemon/wire.ts); by default it has
 * grpc-js's defaults. It runs in a session of its own, out of reach of the terminal's Ctrl-C, so it ends when its
 * stdin (a pipe from the bench) closes: the bench ended, however it ended.
 */
import * as grpc from '@grpc/grpc-js';
import { loadCri } from '../../src/cri/proto.js';

const cri = loadCri();
const server = new grpc.Server(process.argv[3] === 'no-channelz' ? { 'grpc.enable_channelz': 0 } : {});
server.addService(cri.runtime.v1.RuntimeService.service, {
  Version: (_c: unknown, cb: grpc.sendUnaryData<unknown>) => cb(null, { version: '0.1.0', runtimeName: 'floor', runtimeVersion: '0', runtimeApiVersion: 'v1' }),
});
server.bindAsync(`unix:${process.argv[2]}`, grpc.ServerCredentials.createInsecure(), (e) => {
  if (e) { console.error(e); process.exit(1); }
  process.stdout.write('ready\n');
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
