/**
 * A counting semaphore with a FIFO queue: at most `limit` holders at a time, the rest wait in arrival order.
 * A bounded queue refuses a waiter beyond `maxQueue` with the error `full()` makes (the caller's vocabulary).
 */
export class Semaphore {
  private active = 0;
  private refused = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly limit: number, private readonly maxQueue = Infinity, private readonly full?: () => Error) {
    if (!(limit >= 1)) throw new RangeError(`semaphore limit must be >= 1, got ${limit}`);
  }

  /** Holders right now. */
  get inFlight(): number { return this.active; }
  /** Waiters right now. */
  get queued(): number { return this.waiters.length; }
  /** Acquisitions refused because the queue was full, since creation. */
  get rejected(): number { return this.refused; }

  /** A slot; a wait ends with the signal's reason when `signal` aborts first (the slot is then not taken). */
  acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.active < this.limit) { this.active++; return Promise.resolve(); }
    if (this.waiters.length >= this.maxQueue) {
      this.refused++;
      return Promise.reject(this.full?.() ?? new Error(`too many waiters (${this.maxQueue} queued behind ${this.limit} running)`));
    }
    return new Promise<void>((resolve, reject) => {
      if (!signal) { this.waiters.push(resolve); return; }
      const go = () => { signal.removeEventListener('abort', stop); resolve(); };
      const stop = () => {
        const i = this.waiters.indexOf(go);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal.reason);
      };
      this.waiters.push(go);
      signal.addEventListener('abort', stop, { once: true });
    });
  }

  /** Hands the slot to the next waiter, or frees it. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next(); else this.active--;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire();
    try { return await fn(); } finally { this.release(); }
  }
}
