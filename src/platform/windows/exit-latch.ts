/**
 * The exit of an HCS handle (compute-system.ts, compute-process.ts): settled once, from its event or from a
 * properties query that finds it; each waiter holds the runtime alive (HcsRuntime.hold) until the exit answers it,
 * and a closed handle lets go of the hold of every waiter still there.
 */
import type { HcsRuntime } from './operations.js';

export class ExitLatch<T> {
  private value?: T;
  private readonly waiters: ((v: T) => void)[] = [];

  constructor(private readonly rt: Pick<HcsRuntime, 'hold' | 'release'>) {}

  /** The exit, once settled. */
  get done(): T | undefined { return this.value; }
  /** Whether someone waits for the exit. */
  get waiting(): boolean { return this.waiters.length > 0; }

  /** Settles the exit and answers the waiters; false when it was settled already. */
  settle(v: T): boolean {
    if (this.value) return false;
    this.value = v;
    for (const w of this.waiters.splice(0)) { this.rt.release(); w(v); }
    return true;
  }

  wait(): Promise<T> {
    if (this.value) return Promise.resolve(this.value);
    this.rt.hold();
    return new Promise<T>((res) => this.waiters.push(res));
  }

  /** The handle closes: its waiters hold the runtime no more. */
  close(): void {
    for (let i = 0; i < this.waiters.length; i++) this.rt.release();
  }
}
