/** Polling in tests: a condition checked until it holds (yields something truthy) or a deadline passes. */

export interface WaitOptions {
  /** How long to keep polling. Default 30 s. */
  timeoutMs?: number;
  /** Pause between polls. Default 20 ms. */
  intervalMs?: number;
  /** A poll that throws counts as "not yet", its message joins the timeout's (default: the error ends the wait). */
  retryErrors?: boolean;
  /** More for the timeout's message: a log, diagnostics. */
  detail?: () => string;
}

type Held<T> = Exclude<T, undefined | null | false | 0 | ''>;

/**
 * Polls `cond` until it yields something truthy and returns that; past the deadline fails with "timed out waiting
 * for <what>" (plus the last error and the detail, when there are).
 */
export async function waitFor<T>(what: string, cond: () => T | Promise<T>, opts: WaitOptions = {}): Promise<Held<T>> {
  const { timeoutMs = 30_000, intervalMs = 20 } = opts;
  const deadline = Date.now() + timeoutMs;
  let last: Error | undefined;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as Held<T>;
    } catch (e) {
      if (!opts.retryErrors) throw e;
      last = e as Error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}${opts.detail ? `\n${opts.detail()}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
