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
import { touchIdleGc, pollIdleGc } from '../util/idle-gc.js';

const log = logger('cri');

/**
 * What is served while the runtime is still recovering containers: every ImageService RPC (the image store is open
 * before the endpoint exists and never depends on container recovery), and the RuntimeService RPCs kubelet
 * validates the connection with, which answer from configuration alone.
 */
const ALWAYS = new Set(['Version', 'Status', 'RuntimeConfig']);
const servedWhileRecovering = (service: string, method: string) => service === 'ImageService' || ALWAYS.has(method);
/**
 * Answered from memory with no outside call and no log line of their own: served without a request context (its
 * log fields, its RPC clock). Storing a context is a store switch and makes every promise and async resource the
 * call creates carry it, about a tenth of what the daemon adds to a Version call over a bare grpc-js server.
 */
const LEAN = new Set(['Version', 'RuntimeConfig']);
const NO_OUTSIDE: Readonly<Record<string, number>> = Object.freeze({});
/** High-rate polling RPCs are logged at debug level only. */
const QUIET = new Set(['Version', 'Status', 'ListPodSandbox', 'ListContainers', 'ContainerStatus', 'PodSandboxStatus',
  'ListContainerStats', 'ContainerStats', 'ListImages', 'ImageStatus', 'ImageFsInfo', 'ListPodSandboxStats', 'PodSandboxStats']);

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

export type UnaryFn<Req, Res> = (req: Req, ctx: CriContext, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>;

export function wrapUnary<Req, Res>(service: string, method: string, ctx: CriContext, fn: UnaryFn<Req, Res>): grpc.handleUnaryCall<Req, Res> {
  // Everything that depends only on the method is found once, here, not per call.
  const stats = ctx.metrics?.method(service, method);
  const quiet = QUIET.has(method);
  const whileRecovering = servedWhileRecovering(service, method);
  const bounded = !ALWAYS.has(method);
  const lean = LEAN.has(method);
  return (call, callback) => {
    // kubelet's relist and status polls do not count as work unless they come many to the second (util/idle-trim.ts).
    if (quiet) pollIdleGc(); else touchIdleGc();
    const start = performance.now();
    const clock = lean ? undefined : new RpcClock();
    const done = (err: unknown, res?: Res) => {
      const ms = performance.now() - start;
      if (err === undefined) {
        callback(null, res);
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
    const serveCall = () => {
      const undecodable = undecodableError(call.request);
      if (undecodable) { done(undecodable); return; }
      if (!whileRecovering && !ctx.isReady()) {
        done(unavailable('wincri is starting: recovering containers; retry shortly'));
        return;
      }
      const serve = (): Promise<Res> => {
        try {
          return fn(call.request, ctx, call);
        } catch (e) {
          return Promise.reject(e);
        }
      };
      // limits.concurrentRpcs: beyond it RPCs wait in a bounded queue; the probes kubelet relies on never wait.
      const p = ctx.rpcSlots && bounded ? ctx.rpcSlots.run(serve) : serve();
      p.then((res) => done(undefined, res), (e) => done(e ?? new Error('unknown error')));
    };
    if (lean) serveCall(); else runInContext({ fields: requestFields(call.request), clock }, serveCall);
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
