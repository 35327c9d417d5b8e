/** Crash-safe persistence of the service's records: one JSON file per record kind, writes serialised per file. */
import { join } from 'node:path';
import { writeFileAtomic, readJson } from '../../../util/atomic.js';

export class Persister {
  private chains = new Map<string, Promise<void>>();
  constructor(private readonly dir: string) {}

  async load<T>(name: string): Promise<T | undefined> {
    return readJson<T>(join(this.dir, `${name}.json`));
  }

  /** Schedules a write of `snapshot()` (taken when the write runs, so bursts coalesce to the latest state). */
  save(name: string, snapshot: () => unknown): Promise<void> {
    const prev = this.chains.get(name) ?? Promise.resolve();
    const next = prev.then(() => writeFileAtomic(join(this.dir, `${name}.json`), JSON.stringify(snapshot(), null, 1)))
      .catch((e) => { process.stderr.write(`persist ${name} failed: ${(e as Error).message}\n`); });
    this.chains.set(name, next);
    return next;
  }

  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }
}
