/**
 * Crash-safe persistence of the service's records: one JSON file per record kind, writes serialised per file.
 * Group commit: saves asked for while a write of the same file is running share the next write (it snapshots the
 * state when it starts, so it contains all of them); a save resolves only once a write that started after it was
 * asked for is on disk. A failed write is logged, never thrown; trySave tells the callers that must know whether
 * the state is on disk before going on.
 */
import { join } from 'node:path';
import { writeFileAtomic, readJson } from '../../../util/atomic.js';

interface Chain { running: Promise<boolean>; next?: Promise<boolean> }

export class Persister {
  private chains = new Map<string, Chain>();
  constructor(private readonly dir: string) {}

  async load<T>(name: string): Promise<T | undefined> {
    return readJson<T>(join(this.dir, `${name}.json`));
  }

  /** Schedules a write of `snapshot()` (taken when the write runs, so bursts coalesce to the latest state). */
  save(name: string, snapshot: () => unknown): Promise<void> {
    return this.trySave(name, snapshot).then(() => undefined);
  }

  /** save(), resolving to whether the write that holds this save succeeded. */
  trySave(name: string, snapshot: () => unknown): Promise<boolean> {
    const write = () => writeFileAtomic(join(this.dir, `${name}.json`), JSON.stringify(snapshot()))
      .then(() => true, (e) => { process.stderr.write(`persist ${name} failed: ${(e as Error).message}\n`); return false; });
    const c = this.chains.get(name);
    if (!c) {
      const chain: Chain = { running: write() };
      this.chains.set(name, chain);
      const settle = (): Promise<void> => chain.running.then(() => {
        if (!chain.next) { this.chains.delete(name); return; }
        chain.running = chain.next;
        chain.next = undefined;
        return settle();
      });
      void settle();
      return chain.running;
    }
    // A write is running: join the one queued behind it (started when the running one ends).
    c.next ??= c.running.then(write);
    return c.next;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()].flatMap((c) => [c.running, c.next]));
  }
}
