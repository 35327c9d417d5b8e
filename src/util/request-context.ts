/**
 * What rides along with the work of one request across awaits: the log fields (util/log.ts) and the RPC clock
 * (util/rpc-clock.ts). One AsyncLocalStorage carries both: each storage adds its own step to the creation of every
 * promise and async resource in the process, and each `run` is a store switch, so two would cost twice per RPC.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** The parts of an RPC's time spent outside the daemon. */
export type OutsidePart = 'platform' | 'keeper' | 'cni-exec';

/** What timed calls need of an RPC clock (util/rpc-clock.ts implements it). */
export interface PartClock {
  enter(part: OutsidePart): void;
  leave(part: OutsidePart): void;
  /** Counts `seconds` already timed as `from` as `to` instead (a service reporting the platform time of a call). */
  move(from: OutsidePart, to: OutsidePart, seconds: number): void;
}

export interface RequestContext {
  /** Fields added to every log line made inside the context. */
  readonly fields?: Readonly<Record<string, unknown>>;
  readonly clock?: PartClock;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function currentContext(): RequestContext | undefined { return storage.getStore(); }

/** Runs `fn` in `ctx` (a context replaces the current one: build it from currentContext() to extend). */
export function runInContext<T>(ctx: RequestContext, fn: () => T): T { return storage.run(ctx, fn); }
