/**
 * The exit of an HCS handle (compute-system.ts, compute-process.ts): settled once, from its event or from a
 * properties query that finds it; each waiter holds the runtime alive (HcsRuntime.hold) until the exit answers it,
 * and a closed handle lets go of every hold still taken. The waiters stay: an exit settled after the close (a
 * properties query in flight) still answers them, with no second release. A wait after the close on an exit not
 * settled is refused with the handle's `closedError` (E_HANDLE): nothing could answer it any more (was: a promise
 * that never settled, the closed handle's exit probe failing unseen).
 */
import type { HcsRuntime } from './operations.js';

export class ExitLatch<T> {
  private value?: T;
  private readonly waiters: ((v: T) => void)[] = [];
  /** Holds taken for waiters and not released yet. */
  private holds = 0;
  private closed = false;

  constructor(private readonly rt: Pick<HcsRuntime, 'hold' | 'release'>, private readonly closedError: () => Error) {}

  /** The exit, once settled. */
  get done(): T | undefined { return this.value; }
  /** Whether someone waits for the exit. */
  get waiting(): boolean { return this.waiters.length > 0; }

  /** Settles the exit and answers the waiters; false when it was settled already. */
  settle(v: T): boolean {
    if (this.value) return false;
    this.value = v;
    this.releaseHolds();
    for (const w of this.waiters.splice(0)) w(v);
    return true;
  }

  wait(): Promise<T> {
    if (this.value) return Promise.resolve(this.value);
    if (this.closed) return Promise.reject(this.closedError());
    this.rt.hold();
    this.holds++;
    return new Promise<T>((res) => this.waiters.push(res));
  }

  /** The handle closes: its waiters hold the runtime no more. */
  close(): void {
    this.closed = true;
    this.releaseHolds();
  }

  private releaseHolds(): void {
    for (; this.holds > 0; this.holds--) this.rt.release();
  }
}
