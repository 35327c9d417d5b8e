/**
 * Gives the C heap's free pages back while a process stays busy. The idle collection (idle-trim.ts, idle-gc.ts)
 * trims after a quiet second, which a process under non-stop churn never has: in a 20-minute pod churn the
 * emulator service's glibc main arena grew from 4 to a 26 MiB plateau with 8.6 MiB in use, the rest freed chunks
 * whose pages glibc keeps until a `malloc_trim` (one returned 8 MiB in 30 ms).
 *
 * `afterWork()` is called when a piece of work has ended (an RPC answered, a batch of output written); it only
 * reads a flag that a timer sets `checkEveryMs` after the last check (reading the clock there boxed a double per
 * call: 16 bytes per RPC on the lean path). A check (at most every `checkEveryMs`) reads the process's memory
 * outside V8's heap (RSS − V8's committed heap: the C heap, malloc's mmaps, code) and keeps its low mark since the
 * last trim; once that memory stands `growthBytes` above the low mark and `minIntervalMs` have passed since the
 * last trim, one trim is started, after the current task (never inside the work that ended) and, where glibc allows,
 * on a pool thread (native-trim.ts): the event loop goes on meanwhile. Growth that a trim cannot return (V8's
 * code space, pages of the binary) costs at most one trim per `minIntervalMs` and then becomes the new low mark.
 * A trim the idle collection ran counts as one (`trimmed()`). Neither ever throws into the work that called it:
 * memory that cannot be read (process.memoryUsage() throws when /proc cannot be opened, out of descriptors) skips
 * that check.
 */
export interface BusyTrimDeps {
  /** Milliseconds clock. */
  now(): number;
  /** Resident bytes outside V8's heap. */
  nativeBytes(): number;
  /** One malloc_trim; the promise settles when it has run. */
  trim(): Promise<unknown>;
  /** Runs `fn` after the current task (setImmediate). */
  defer(fn: () => void): void;
  /** Runs `fn` once after `ms` (an unref'd setTimeout: it keeps no process alive). */
  setTimer(fn: () => void, ms: number): void;
}

export interface BusyTrimLimits { growthBytes: number; minIntervalMs: number; checkEveryMs: number }

export const BUSY_TRIM_LIMITS: BusyTrimLimits = { growthBytes: 4 * 1024 * 1024, minIntervalMs: 30_000, checkEveryMs: 2_000 };

export class BusyTrim {
  /** Whether `checkEveryMs` have passed since the last check (the first check is due at once). */
  private due = true;
  private lastTrim = -Infinity;
  private low = Infinity;
  private inFlight = false;
  /** How many trims this started (diagnostics and tests). */
  trims = 0;

  constructor(private readonly deps: BusyTrimDeps, private readonly limits: BusyTrimLimits = BUSY_TRIM_LIMITS) {}

  /** Whether a trim of this one's is under way (the idle collection does not trim meanwhile: idle-gc.ts). */
  get running(): boolean { return this.inFlight; }

  afterWork(): void {
    if (!this.due || this.inFlight) return;
    this.due = false;
    this.deps.setTimer(this.checkDue, this.limits.checkEveryMs);
    const t = this.deps.now();
    const bytes = this.read();
    if (bytes === undefined) return;
    if (bytes < this.low) this.low = bytes;
    if (bytes - this.low < this.limits.growthBytes || t - this.lastTrim < this.limits.minIntervalMs) return;
    this.inFlight = true;
    this.trims++;
    this.deps.defer(this.startTrim);
  }

  // Fields of their own, not arrows inside afterWork: a closure there makes afterWork allocate its context at every
  // call while V8 runs it unoptimized (idle-gc.ts, processTrim).
  private readonly startTrim = (): void => {
    let p: Promise<unknown>;
    try { p = this.deps.trim(); } catch { p = Promise.resolve(); }
    p.then(this.trimDone, this.trimDone);
  };

  private readonly trimDone = (): void => { this.inFlight = false; this.trimmed(); };

  private readonly checkDue = (): void => { this.due = true; };

  /** A trim just ran (this one's or the idle collection's): memory now is the new low mark. */
  trimmed(): void {
    this.lastTrim = this.deps.now();
    this.low = this.read() ?? Infinity;
  }

  private read(): number | undefined {
    try {
      const b = this.deps.nativeBytes();
      return Number.isFinite(b) ? b : undefined;
    } catch {
      return undefined;
    }
  }
}
