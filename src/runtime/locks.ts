import { setLongTimeout, type LongTimeout } from '../util/long-timer.js';

/** Per-key async mutex: operations on one pod or container run one at a time, others in parallel. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const tail = prev.then(() => gate);
    this.tails.set(key, tail);
    await prev.catch(() => undefined);
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => { setLongTimeout(r, ms).unref(); });
}

/**
 * Resolves to true if p settled within ms, false otherwise (p keeps running). Any delay is honoured, however long
 * (a client's timeout: ../util/long-timer.ts).
 */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: LongTimeout | undefined;
  const t = new Promise<false>((r) => { timer = setLongTimeout(() => r(false), ms); });
  try {
    return await Promise.race([p.then(() => true as const, () => true as const), t]);
  } finally {
    timer?.clear();
  }
}
