/**
 * Waiting for a change in a directory (a file of interest renamed or removed) with a slow fallback: the watch is
 * started once and kept until close(), and armed before the caller looks at the directory, so a change made right
 * after that look (before the wait would otherwise have begun) is still seen. Where no watch can be had the
 * fallback timer alone wakes the waiter.
 */
import { watch, type FSWatcher } from 'node:fs';

export class DirWait {
  private watcher?: FSWatcher;
  private unwatchable = false;
  private timer?: NodeJS.Timeout;
  private then?: () => void;

  /** `matches`: the names whose renames (or removals) count; `fallbackMs`: the wake-up without a sign. */
  constructor(private readonly dir: string, private readonly matches: (name: string) => boolean, private readonly fallbackMs: number) {}

  get waiting(): boolean { return this.then !== undefined; }

  /**
   * Arms the watch, then asks `still()` (the caller's look at the directory): while that says to wait, `then` runs
   * once, at the next matching change or the fallback. Returns whether it waits (false: `then` will not run).
   */
  waitWhile(still: () => boolean, then: () => void): boolean {
    if (this.then) return true;
    this.startWatch();
    this.then = then;
    this.timer = setTimeout(() => this.wake(), this.fallbackMs);
    if (still()) return true;
    this.cancel();
    return false;
  }

  /** Drops a pending wait (its `then` will not run); the watch stays for the next one. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.then = undefined;
  }

  close(): void {
    this.cancel();
    this.watcher?.close();
    this.watcher = undefined;
    this.unwatchable = true;
  }

  private wake(): void {
    const then = this.then;
    this.cancel();
    then?.();
  }

  private startWatch(): void {
    if (this.watcher || this.unwatchable) return;
    try {
      this.watcher = watch(this.dir, (type, name) => {
        if (type === 'rename' && (!name || this.matches(name))) this.wake();
      });
      this.watcher.on('error', () => { this.watcher?.close(); this.watcher = undefined; });
    } catch { this.unwatchable = true; /* no watch here: the fallback alone */ }
  }
}
