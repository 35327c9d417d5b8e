/**
 * Run as a script (environment as the caller sets it, GRPC_NODE_DEBUG_SEND_ERROR_DETAILS included: grpc-js and the
 * lean path read it at load): prints, as JSON, the trailers of a Version call whose answer cannot be serialized,
 * from the lean path and from grpc-js.
 */
import { grpcMessage } from './h2.js';
import { leanServer, rawCall, svc } from './lean-server.js';
import type { VersionRes } from './version-service.js';

const unserializable = (): VersionRes => ({
  get version(): string { throw new Error('boom'); }, runtimeName: 'x', runtimeVersion: '1', runtimeApiVersion: 'v1',
});

const out: Record<string, unknown> = {};
for (const lean of [true, false]) {
  const s = await leanServer(lean, unserializable);
  try {
    const a = await rawCall(s.session, { chunks: [grpcMessage(svc.request({ version: 'v' }))] });
    out[lean ? 'lean' : 'grpcJs'] = { trailers: a?.trailers, leanCalls: s.leanCalls() };
  } finally {
    await s.close();
  }
}
process.stdout.write(JSON.stringify(out));
