/**
 * The full collection a burst of polls put off (idle-gc.ts). After polls alone, the quiet spell's collection
 * releases the C heap and the binary's pages but runs V8's compacting GC only past POLL_GROWTH_BYTES: a forced full
 * GC throws away the poll path's optimized code, and a client polling in bursts with pauses of a second or two paid
 * that after every pause. What such a burst left stayed for good, though (the memory reducer is off,
 * node-flags.ts): after 5 200 Version calls the daemon held 4.6 MiB of dead old-space objects (what the polls
 * promoted or V8 allocated there directly: HTTP/2 header strings, the backing tables of long-lived Maps and Sets
 * that swing between 0 and 1 entries), a second semi-space page and 2.4 MiB more C heap (the native side of those
 * objects), 6 MiB of PSS at rest. So the spell's collection arms this, and once the process has stayed quiet
 * `delayMs` longer — no work, no burst of polls, no collection since; polls at kubelet's pace do not count — one
 * full GC runs after all. A call in flight when the time comes puts it off by `retryMs`. Arming again replaces the
 * pending one.
 */
export interface LateCollectionDeps {
  setTimer(fn: () => void, ms: number): unknown;
  /** How many collections the process's idle collector has run (idle-trim.ts). */
  collections(): number;
  /** Whether work or a burst of polls came since its last collection (a check is pending). */
  busy(): boolean;
  /** Whether a call or work is in flight. */
  inFlight(): boolean;
  collect(): void;
}

export class LateCollection {
  private token = 0;
  /** How many late collections ran (diagnostics and tests). */
  ran = 0;

  constructor(private readonly delayMs: number, private readonly retryMs: number, private readonly deps: LateCollectionDeps) {}

  /** Called from the spell's collection that left the compaction out (its count already includes that one). */
  arm(): void {
    const token = ++this.token;
    const seen = this.deps.collections();
    const fire = (): void => {
      if (token !== this.token || this.deps.collections() !== seen || this.deps.busy()) return;
      if (this.deps.inFlight()) { this.deps.setTimer(fire, this.retryMs); return; }
      this.token++;
      this.ran++;
      this.deps.collect();
    };
    this.deps.setTimer(fire, this.delayMs);
  }
}
