/**
 * A successful unary answer written on the call's HTTP/2 stream by the edge itself (./h2-one-write.ts: one socket
 * write), instead of through grpc-js's callback, which writes the message, waits for that write's callback, and
 * only then ends the stream and sends the trailers (two writes, each a turn of the event loop). The bytes are what
 * grpc-js sends: the same response headers, the message with its 5-byte gRPC prefix, `grpc-status: 0` and
 * `grpc-message: OK`.
 *
 * grpc-js has no public way to answer a call with its own bytes, so this reads its call object: the server call
 * (`call.call`, grpc-js's BaseServerInterceptingCall when no interceptor is installed, as here) and its `stream`,
 * `metadataSent`, `wantTrailers`, `maxSendMessageSize`, `deadline`, `shouldSendMetrics` (per-call load reports,
 * `grpc.server_call_metric_recording`) and `callEventTracker` (channelz, off in the daemon). Those fields and the
 * bytes above were read in grpc-js 1.14, so only that line is answered this way (./direct-answer-gate.ts).
 * Setting `metadataSent` and `wantTrailers` (after the answer is under way, in the same synchronous run) makes
 * grpc-js treat the call as answered (a late deadline or cancel finds nothing left to send). Whenever that shape
 * is not there (another grpc-js, a test's fake call, an interceptor, channelz or load reports on, metadata already
 * sent, the stream already answered or gone, an oversized message), `answerDirectly` returns 'declined' and the
 * caller answers through the callback as before.
 *
 * A deadline: grpc-js sends DEADLINE_EXCEEDED in place of OK when its deadline timer fires before the message has
 * been written out (flow control can hold a large message back). Its timer finds this call answered, so the
 * trailers are chosen when the last DATA is out: past the call's deadline, they are the ones grpc-js's timer
 * sends (`grpc-status: 4`, `grpc-message: Deadline%20exceeded`).
 */
import type { ServerHttp2Stream } from 'node:http2';
import { answer, trailers, type Trailers } from './h2-one-write.js';
import { DIRECT_MODE } from './direct-answer-gate.js';
import { prebuiltHeaders } from './h2-respond.js';

/** grpc-js's response headers for a message (its defaultResponseHeaders and compression headers). */
const HEADERS = prebuiltHeaders({
  ':status': 200, 'content-type': 'application/grpc+proto', 'grpc-accept-encoding': 'identity,deflate,gzip', 'grpc-encoding': 'identity',
});
const OK = trailers({ 'grpc-status': '0', 'grpc-message': 'OK' });
const DEADLINE_EXCEEDED = trailers({ 'grpc-status': '4', 'grpc-message': encodeURI('Deadline exceeded') });

interface ServerCall {
  stream?: ServerHttp2Stream; metadataSent?: boolean; wantTrailers?: boolean; maxSendMessageSize?: number; callEventTracker?: unknown;
  shouldSendMetrics?: boolean; deadline?: number;
}

/**
 * 'answered': the answer is under way; 'declined': nothing was sent, answer through the callback; 'failed': the
 * answer broke after its headers went out and the stream was reset (the client sees an error, not OK).
 */
export type DirectResult = 'answered' | 'declined' | 'failed';

/** The message with its gRPC prefix (uncompressed, length); the last result is kept while the body is the same Buffer. */
export function framer(serialize: (v: unknown) => Buffer): (v: unknown) => Buffer {
  let body: Buffer | undefined;
  let framed = Buffer.alloc(0);
  return (v) => {
    const b = serialize(v);
    if (b !== body) {
      framed = Buffer.allocUnsafe(b.length + 5);
      framed[0] = 0;
      framed.writeUInt32BE(b.length, 1);
      b.copy(framed, 5);
      body = b;
    }
    return framed;
  };
}

function answerable(c: ServerCall | undefined): c is ServerCall & { stream: ServerHttp2Stream } {
  const s = c?.stream;
  return !!s && typeof s.respond === 'function' && c!.metadataSent === false && c!.wantTrailers === false && !c!.callEventTracker
    && c!.shouldSendMetrics === false && !s.headersSent && !s.destroyed && !s.closed;
}

/** Answers `call` with the framed message; 'declined' when the call is not one this can answer (see above). */
export function answerDirectly(call: unknown, framed: Buffer): DirectResult {
  if (DIRECT_MODE === 'off') return 'declined';
  const c = (call as { call?: ServerCall } | undefined)?.call;
  if (!answerable(c)) return 'declined';
  const max = c.maxSendMessageSize;
  if (typeof max === 'number' && max !== -1 && framed.length - 5 > max) return 'declined';
  const deadline = typeof c.deadline === 'number' ? c.deadline : Infinity;
  const status = (): Trailers => (deadline !== Infinity && Date.now() >= deadline ? DEADLINE_EXCEEDED : OK);
  let result: DirectResult = 'answered';
  try {
    answer(c.stream, HEADERS, framed, status);
  } catch (e) {
    // respond() refused (the stream went away in between): nothing was sent, grpc-js's path decides what to do
    if (!c.stream.headersSent) return 'declined';
    c.stream.destroy(e as Error);
    result = 'failed';
  }
  c.metadataSent = true;
  c.wantTrailers = true;
  return result;
}
