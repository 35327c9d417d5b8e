/**
 * Ordering of HNS mutations in the emulator service (server-hns.ts). A network change runs alone: everything asked
 * before it has finished when it starts, and everything asked after waits for it (an endpoint is never programmed
 * on a network whose Linux objects are half made). Changes of endpoints and namespaces run side by side, except
 * that the changes of one object (its key, e.g. `ns:<guid>`, `ep:<guid>`) run one at a time in the order asked.
 */
export class HnsLocks {
  /** The last network change (settled when it is). */
  private tail: Promise<unknown> = Promise.resolve();
  /** Object changes asked since that network change (settled when they are). */
  private readonly active = new Set<Promise<unknown>>();
  /** Per object key: its last change (settled when it is). */
  private readonly keyTails = new Map<string, Promise<unknown>>();

  /** Runs `f` alone (network create, modify, delete). */
  exclusive<T>(f: () => Promise<T>): Promise<T> {
    const run = Promise.allSettled([this.tail, ...this.active]).then(f);
    this.tail = run.catch(() => undefined);
    this.active.clear();
    return run;
  }

  /** Runs `f` after the last network change and the last change of each of `keys`, beside other objects' changes. */
  shared<T>(keys: readonly string[], f: () => Promise<T>): Promise<T> {
    const waits: Promise<unknown>[] = [this.tail];
    for (const k of keys) { const t = this.keyTails.get(k); if (t) waits.push(t); }
    const run = Promise.allSettled(waits).then(f);
    const done = run.catch(() => undefined);
    for (const k of keys) {
      this.keyTails.set(k, done);
      void done.then(() => { if (this.keyTails.get(k) === done) this.keyTails.delete(k); });
    }
    this.active.add(done);
    void done.then(() => this.active.delete(done));
    return run;
  }
}
