/**
 * Layer files finishing behind the unpack. A file written direct (direct-writer.ts) has its last write in flight
 * when its body ends; waiting for that write before the next tar entry left the unpack idle for a disk round trip
 * per file (bench files of 1 MiB: one write each, so one stream kept one write in flight at a time). Here the
 * file's completion (the last write, the cut back to size, its time stamps, the close) is handed over and the
 * unpack goes on; at most MAX_BEHIND files finish at once (each holds a pair of 1 MiB aligned buffers and a
 * descriptor). In the bench's pull phase: 239–242 MB/s against 196–207 without, 3 interleaved pairs, and less CPU
 * (README, "Pull, session 21").
 *
 * The unpack drains them before it writes its own records, so a layer is never imported with a write in flight;
 * the first failure of any fails the unpack (at the next hand-over or the drain). An unpack that fails otherwise
 * settles them first: nothing writes into a staging folder after its unpack returned.
 */
export const MAX_BEHIND = 4;

export class WriteBehind {
  private readonly pending: Promise<void>[] = [];
  private failed = false;
  private failure: unknown;
  /** Milliseconds the unpack waited for files finishing behind it. */
  ms = 0;

  /** Hands over a file's completion; waits while more than MAX_BEHIND are in flight. Throws the first failure. */
  async add(done: Promise<void>): Promise<void> {
    this.pending.push(done.catch((e: unknown) => {
      if (!this.failed) { this.failed = true; this.failure = e; }
    }));
    const t0 = performance.now();
    while (this.pending.length > MAX_BEHIND) await this.pending.shift();
    this.ms += performance.now() - t0;
    this.check();
  }

  /** Waits for every file handed over; throws the first failure. */
  async drain(): Promise<void> {
    const t0 = performance.now();
    await this.settle();
    this.ms += performance.now() - t0;
    this.check();
  }

  /** Waits for every file handed over, failures kept for check() (the caller is failing already, or drains). */
  async settle(): Promise<void> {
    await Promise.all(this.pending.splice(0));
  }

  private check(): void {
    if (this.failed) throw this.failure;
  }
}
