/**
 * One unary call served on its HTTP/2 stream beneath grpc-js: what grpc-js 1.14's server does for a unary call
 * (server.ts handleUnary, server-interceptors.ts BaseServerInterceptingCall) without the parts the CRI edge never
 * reads — no Metadata object built from the request headers, no interceptor chain, read queue, per-call metric
 * recorder, paused/resumed stream or promise per message, no ServerUnaryCall event emitter. What a client sees is
 * grpc-js's: the same checks in the same order, the same status codes and messages, the same response headers,
 * message and trailers (the answer itself goes out through ../direct-answer.ts, as on grpc-js's path):
 *   - `grpc-timeout`: a value grpc-js cannot read is INTERNAL `Invalid grpc-timeout value "…"`; past the deadline
 *     with no answer started, DEADLINE_EXCEEDED `Deadline exceeded`; an answer still held back by flow control at
 *     the deadline ends with DEADLINE_EXCEEDED trailers (../direct-answer.ts);
 *   - the request: a body over grpc.max_receive_message_length is RESOURCE_EXHAUSTED; no complete message by the
 *     end of the request, or a second one, is UNIMPLEMENTED with grpc-js's messages; the compressed flag with
 *     `grpc-encoding` identity (the only encoding routed here: ./install.ts) reads the body as it is, as grpc-js;
 *   - the handler's error: its gRPC status as grpc-js derives it (./status.ts), a throw UNKNOWN `Unknown error`;
 *     an answer over grpc.max_send_message_length RESOURCE_EXHAUSTED, a serializer failure INTERNAL; with
 *     GRPC_NODE_DEBUG_SEND_ERROR_DETAILS=true these carry the error's message as grpc-js's do (./details.ts);
 *   - cancellation (RST_STREAM, a closed connection): nothing more is sent; the deadline is unwatched (./deadlines.ts).
 */
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { status as Status } from '@grpc/grpc-js';
import type { LeanRoute } from './routes.js';
import type { LeanUnaryCall } from '../handler.js';
import { parseGrpcTimeout } from './timeout.js';
import { UnaryReader } from './reader.js';
import { errorToStatus, sendStatus, type CallStatus } from './status.js';
import { failureDetails } from './details.js';
import { answerDirectly, framer } from '../direct-answer.js';
import { watch, unwatch, type Deadline } from './deadlines.js';

export interface LeanLimits { maxReceive: number; maxSend: number }

/** The fields of grpc-js's server call that the edge's direct answer reads and sets (../direct-answer.ts). */
interface ServerCallFields {
  stream: ServerHttp2Stream; metadataSent: boolean; wantTrailers: boolean; maxSendMessageSize: number; deadline: number;
  shouldSendMetrics: false; callEventTracker: undefined;
}

/** What a lean route's handler is given as its call: what ../handler.ts LeanUnaryCall lets it read, and the fields above as `call.call`. */
export interface LeanCall extends LeanUnaryCall<unknown> { request: unknown; call: ServerCallFields; getPath(): string; getDeadline(): number }

const ignore = (): void => undefined;
/** A legal non-binary metadata value, as grpc-js's Metadata checks it (anything else is dropped with a log line). */
const LEGAL_VALUE = /^[ -~]*$/;
const framers = new WeakMap<LeanRoute, (v: unknown) => Buffer>();

export function serveLean(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, route: LeanRoute, limits: LeanLimits): void {
  stream.once('error', ignore);  // as grpc-js: each error is followed by 'close', which ends the call
  const c: ServerCallFields = {
    stream, metadataSent: false, wantTrailers: false, maxSendMessageSize: limits.maxSend, deadline: Infinity,
    shouldSendMetrics: false, callEventTracker: undefined,
  };
  let deadline: Deadline | undefined;
  /** True once the call needs nothing more from here: a status sent, the answer under way, the stream gone. */
  let over = false;
  const end = (): void => { over = true; if (deadline) unwatch(deadline); };
  const fail = (s: CallStatus): void => {
    if (over || c.metadataSent) return;
    end();
    sendStatus(stream, s);
    stream.resume();  // what the client still sends is read and dropped
  };
  stream.once('close', end);

  const timeout = headers['grpc-timeout'];
  // A value that is not printable ASCII is no legal metadata value: grpc-js drops the header (no deadline), as here.
  if (timeout !== undefined && LEGAL_VALUE.test(String(timeout))) {
    const ms = parseGrpcTimeout(String(timeout));
    if (ms === undefined) { fail({ code: Status.INTERNAL, details: `Invalid grpc-timeout value "${String(timeout)}"` }); return; }
    c.deadline = Date.now() + ms;
    deadline = { at: c.deadline, fire: () => fail({ code: Status.DEADLINE_EXCEEDED, details: 'Deadline exceeded' }), slot: -1 };
    watch(deadline);  // one shared timer (./deadlines.ts): no timer of its own for a call answered in its turn
  }

  const run = (request: unknown): void => {
    const call: LeanCall = { request, call: c, getPath: () => route.path, getDeadline: () => c.deadline };
    const callback = (err: unknown, value?: unknown): void => {
      if (over || c.metadataSent) return;
      if (err) { fail(errorToStatus(err)); return; }
      respond(value);
    };
    try {
      route.handle(call, callback);
    } catch (e) {
      fail({ code: Status.UNKNOWN, details: failureDetails('threw', e) });
      return;
    }
    if (c.metadataSent) end();  // answered on the stream already (the usual case: lean handlers answer synchronously)
  };

  /** A success the handler handed to the callback (its direct answer declined): grpc-js's checks, then the answer. */
  const respond = (value: unknown): void => {
    let frame = framers.get(route);
    if (!frame) framers.set(route, (frame = framer(route.serialize)));
    let framed: Buffer;
    try {
      framed = frame(value);
    } catch (e) {
      fail({ code: Status.INTERNAL, details: failureDetails('serialize', e) });
      return;
    }
    if (limits.maxSend !== -1 && framed.length - 5 > limits.maxSend) {
      fail({ code: Status.RESOURCE_EXHAUSTED, details: `Sent message larger than max (${framed.length} vs. ${limits.maxSend})` });
      return;
    }
    answerDirectly({ call: c }, framed);  // declined only when the stream went away: nobody to answer
    end();
  };

  const reader = new UnaryReader(limits.maxReceive);
  stream.on('data', (chunk: Buffer) => {
    if (over) return;
    try {
      reader.push(chunk);
    } catch (e) {
      fail({ code: Status.RESOURCE_EXHAUSTED, details: (e as Error).message });
      return;
    }
    if (reader.count > 1) fail({ code: Status.UNIMPLEMENTED, details: `Received a second request message for server streaming method ${route.path}` });
  });
  stream.once('end', () => {
    if (over) return;
    if (!reader.first) { fail({ code: Status.UNIMPLEMENTED, details: `Received no request message for server streaming method ${route.path}` }); return; }
    let request: unknown;
    try {
      request = route.deserialize(reader.first);
    } catch (e) {
      fail({ code: Status.INTERNAL, details: failureDetails('deserialize', e) });
      return;
    }
    run(request);
  });
}
