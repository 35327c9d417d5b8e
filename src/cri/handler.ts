/**
 * The gRPC edge: every RPC goes through wrapUnary / wrapServerStream, which own readiness, the per-RPC log
 * line, metrics and the error → status mapping. Handlers below only validate, convert and call the runtime.
 */
import type * as grpc from '@grpc/grpc-js';
import { status as Status } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { logger, logs, withLogContext } from '../util/log.js';
import { runInContext } from '../util/request-context.js';
import { toServiceError } from './errors.js';
import { unavailable } from '../errors.js';
import type { CriContext } from './context.js';
import { RpcClock } from '../util/rpc-clock.js';
import { undecodableError } from './undecodable.js';
import { touchIdleGc, pollIdleGc, idleGcWorkBegins, idleGcWorkEnds, idleGcCallBegins, idleGcCallEnds } from '../util/idle-gc.js';
import { ALWAYS, LEAN, QUIET, servedWhileRecovering } from './method-classes.js';
import { answerDirectly, framer } from './direct-answer.js';

const log = logger('cri');
const NO_OUTSIDE: Readonly<Record<string, number>> = Object.freeze({});

/**
 * Request ids: 12 hex digits from a random start, one more per RPC. They only tell apart the lines of RPCs (and
 * daemon runs); a crypto draw per RPC was most of the CPU this edge spends on a cheap RPC.
 */
let lastRequest = randomBytes(6).readUIntBE(0, 6);
const nextRequestId = (): string => (lastRequest = (lastRequest + 1) % 2 ** 48).toString(16).padStart(12, '0');

/** The fields every log line made while serving one RPC carries: a request id, and the pod/container it names. */
function requestFields(req: unknown): Record<string, unknown> {
  const r = (req ?? {}) as { podSandboxId?: unknown; containerId?: unknown };
  return {
    request: nextRequestId(),
    pod: typeof r.podSandboxId === 'string' && r.podSandboxId ? r.podSandboxId : undefined,
    container: typeof r.containerId === 'string' && r.containerId ? r.containerId : undefined,
  };
}

/** A handler returns its answer, or a promise of it (lean methods, ./method-classes.ts, return the answer itself). */
export type UnaryFn<Req, Res> = (req: Req, ctx: CriContext, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res> | Res;

const isThenable = <T>(v: unknown): v is PromiseLike<T> => typeof (v as PromiseLike<T> | undefined)?.then === 'function';

/**
 * What a lean method's handler may read of its call. Served beneath grpc-js (./lean/serve.ts) the call has no
 * request Metadata, no peer and no events: a lean handler typed to read them fails the typecheck.
 */
export type LeanUnaryCall<Req> = Pick<grpc.ServerUnaryCall<Req, unknown>, 'request' | 'getPath' | 'getDeadline'>;
export type LeanFn<Req, Res> = (req: Req, ctx: CriContext, call: LeanUnaryCall<Req>) => Promise<Res> | Res;
/** A lean method's edge: grpc-js may call it (its call has more than this reads) and so may ./lean/serve.ts. */
export type LeanHandler<Req, Res> = (call: LeanUnaryCall<Req>, callback: grpc.sendUnaryData<Res>) => void;

/**
 * The edge of a lean method (./method-classes.ts LEAN): wrapUnary's lean branch, which reads only `call.request`
 * and hands the call to `fn` (typed to read no more) and to the direct answer (which reads `call.call`, the
 * grpc-js server call or lean/serve.ts's copy of its fields, and declines when it is not there).
 */
export function wrapLean<Req, Res>(service: string, method: string, ctx: CriContext, fn: LeanFn<Req, Res>, serialize?: (v: unknown) => Buffer): LeanHandler<Req, Res> {
  if (!LEAN.has(method)) throw new Error(`${service}/${method} is not a lean method`);
  return wrapUnary(service, method, ctx, fn, serialize) as LeanHandler<Req, Res>;
}

/**
 * `serialize`: the method's response serializer; with it a successful answer is written on the call's stream in
 * one socket write (./direct-answer.ts) where grpc-js's call allows, through the callback otherwise.
 */
export function wrapUnary<Req, Res>(service: string, method: string, ctx: CriContext, fn: UnaryFn<Req, Res>, serialize?: (v: unknown) => Buffer): grpc.handleUnaryCall<Req, Res> {
  // Everything that depends only on the method is found once, here, not per call.
  const stats = ctx.metrics?.method(service, method);
  const frame = serialize ? framer(serialize) : undefined;
  /**
   * Sends a successful answer: directly on the stream, or through grpc-js (which also reports a serializer
   * failure). False when a direct answer broke after its headers left (the stream was reset: not an OK).
   */
  const send = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>, res: Res | undefined): boolean => {
    if (frame) {
      let framed: Buffer | undefined;
      try { framed = frame(res); } catch { framed = undefined; }
      const sent = framed ? answerDirectly(call, framed) : 'declined';
      if (sent !== 'declined') return sent === 'answered';
    }
    callback(null, res);
    return true;
  };
  const quiet = QUIET.has(method);
  const whileRecovering = servedWhileRecovering(service, method);
  const bounded = !ALWAYS.has(method);
  /** Answers the call (err undefined: success) and records it: metrics, the per-RPC log line. */
  const finish = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>, start: number, clock: RpcClock | undefined, err: unknown, res?: Res): void => {
    const ms = performance.now() - start;
    if (err === undefined) {
      if (!send(call, callback, res)) {
        stats?.finished('INTERNAL', ms / 1000, clock?.seconds ?? NO_OUTSIDE);
        log.error(`${method} failed`, { code: 'INTERNAL', error: 'the answer broke while being written; the stream was reset', ms: ms.toFixed(1) });
        return;
      }
      stats?.finished('OK', ms / 1000, clock?.seconds ?? NO_OUTSIDE);
      if (!quiet) log.info(method, { ms: ms.toFixed(1) });
      else if (logs('debug')) log.debug(method, { ms: ms.toFixed(1) });
      return;
    }
    const svcErr = toServiceError(err);
    const code = svcErr.code!;
    callback(svcErr as grpc.ServiceError);
    stats?.finished(Status[code], ms / 1000, clock?.seconds ?? NO_OUTSIDE);
    const level = code === Status.NOT_FOUND || code === Status.INVALID_ARGUMENT || code === Status.ALREADY_EXISTS || code === Status.FAILED_PRECONDITION || code === Status.DEADLINE_EXCEEDED ? 'info' : 'error';
    log[level](`${method} failed`, { code: Status[code], error: svcErr.details, ms: ms.toFixed(1) });
    if (code === Status.INTERNAL && err instanceof Error && err.stack) log.debug(err.stack);
  };
  /** Why the call is refused before its handler runs (an undecodable request, a runtime still recovering). */
  const refusal = (req: unknown): Error | undefined =>
    undecodableError(req) ?? (!whileRecovering && !ctx.isReady() ? unavailable('wincri is starting: recovering containers; retry shortly') : undefined);

  if (LEAN.has(method)) {
    // No context, no clock, no slot, no closure per call; the handler's answer is sent before this returns.
    return (call, callback) => {
      if (quiet) pollIdleGc(); else touchIdleGc();
      const start = performance.now();
      const refused = refusal(call.request);
      if (refused) { finish(call, callback, start, undefined, refused); return; }
      let res: Promise<Res> | Res;
      try {
        res = fn(call.request, ctx, call);
      } catch (e) {
        finish(call, callback, start, undefined, e ?? new Error('unknown error'));
        return;
      }
      if (!isThenable<Res>(res)) { finish(call, callback, start, undefined, undefined, res); return; }
      idleGcCallBegins(); // no idle collection until it is answered
      res.then((r) => { idleGcCallEnds(); finish(call, callback, start, undefined, undefined, r); }, (e) => { idleGcCallEnds(); finish(call, callback, start, undefined, e ?? new Error('unknown error')); });
    };
  }

  return (call, callback) => {
    // kubelet's relist and status polls do not count as work unless they come many to the second (util/idle-trim.ts);
    // any call is in flight until answered: the idle collection waits for it (a slow CreateContainer is no quiet spell).
    if (quiet) { pollIdleGc(); idleGcCallBegins(); } else idleGcWorkBegins();
    const start = performance.now();
    const clock = new RpcClock();
    const done = (err: unknown, res?: Res) => { if (quiet) idleGcCallEnds(); else idleGcWorkEnds(); finish(call, callback, start, clock, err, res); };
    runInContext({ fields: requestFields(call.request), clock }, () => {
      const refused = refusal(call.request);
      if (refused) { done(refused); return; }
      const serve = async (): Promise<Res> => fn(call.request, ctx, call);
      // limits.concurrentRpcs: beyond it RPCs wait in a bounded queue; the probes kubelet relies on never wait.
      const p = ctx.rpcSlots && bounded ? ctx.rpcSlots.run(serve) : serve();
      p.then((res) => done(undefined, res), (e) => done(e ?? new Error('unknown error')));
    });
  };
}

export type StreamFn<Req, Res> = (req: Req, ctx: CriContext, call: grpc.ServerWritableStream<Req, Res>) => Promise<void>;

export function wrapServerStream<Req, Res>(service: string, method: string, ctx: CriContext, fn: StreamFn<Req, Res>): grpc.handleServerStreamingCall<Req, Res> {
  const stats = ctx.metrics?.method(service, method);
  return (call) => withLogContext(requestFields(call.request), () => {
    const undecodable = undecodableError(call.request);
    if (undecodable) { call.emit('error', toServiceError(undecodable)); return; }
    stats?.request('STREAM');
    log.info(`${method} stream opened`);
    fn(call.request, ctx, call).then(
      () => { if (!call.writableEnded) call.end(); },
      (e) => {
        const err = toServiceError(e);
        log.info(`${method} stream failed`, { error: err.details });
        call.emit('error', err);
      },
    );
  });
}
