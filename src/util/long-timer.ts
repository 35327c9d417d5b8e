/**
 * Timers for delays a client or the config chooses (a stop's or an ExecSync's timeout, a gRPC deadline, the
 * streaming and platform timeouts). Node's setTimeout takes at most MAX_TIMER_MS (2^31-1 ms, ~24.8 days) and runs a
 * longer delay after 1 ms, so a timeout of a month would fire at once. setLongTimeout waits a longer delay in steps
 * of at most that; where Node arms the timer itself (a socket's or a request's idle timeout), timerDelay caps the
 * delay at MAX_TIMER_MS instead: an idle timeout longer than ~24.8 days is that long.
 */

/** setTimeout's longest delay. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms` capped at MAX_TIMER_MS (Infinity included), for a timer Node arms itself (socket.setTimeout). */
export function timerDelay(ms: number): number {
  return Math.min(ms, MAX_TIMER_MS);
}

export interface LongTimeout {
  /** Cancels the timer; `fn` does not run. */
  clear(): void;
  /** Starts the whole delay again from now (as Timeout.refresh: an idle timer). */
  refresh(): void;
  /** The timer keeps no process alive. */
  unref(): LongTimeout;
}

/** Runs `fn` once after `ms`, however long (Infinity: never). A delay over MAX_TIMER_MS is waited in steps. */
export function setLongTimeout(fn: () => void, ms: number): LongTimeout {
  let timer: NodeJS.Timeout | undefined;
  let unref = false;
  const arm = (left: number): void => {
    const step = Math.min(left, MAX_TIMER_MS);
    timer = setTimeout(left > MAX_TIMER_MS ? () => arm(left - step) : fn, step);
    if (unref) timer.unref();
  };
  arm(ms);
  const handle: LongTimeout = {
    clear: () => { clearTimeout(timer); timer = undefined; },
    refresh: () => {
      if (!timer) return;
      if (ms <= MAX_TIMER_MS) timer.refresh(); // the usual case: no new timer per refresh
      else { clearTimeout(timer); arm(ms); }
    },
    unref: () => { unref = true; timer?.unref(); return handle; },
  };
  return handle;
}
