/**
 * How long a keeper request waited on the platform alone: wall time with at least one platform call in flight and
 * none of the keeper's own I/O (its record writes, its log open) pending. The daemon counts that much of the
 * request as platform rather than keeper time (StartResult.platformSeconds, WireError.platformSeconds); time the
 * keeper's own I/O overlaps a platform call stays the keeper's.
 */
export type WaitKind = 'platform' | 'own';

export class PlatformWait {
  private readonly pending: Record<WaitKind, number> = { platform: 0, own: 0 };
  private since: bigint;
  private total = 0n;

  /** `now`: a monotonic clock in nanoseconds (tests pass their own). */
  constructor(private readonly now: () => bigint = () => process.hrtime.bigint()) { this.since = now(); }

  /** Runs `fn`, a platform call or the keeper's own I/O, counted as pending until it settles. */
  time<T>(kind: WaitKind, fn: () => Promise<T>): Promise<T> {
    this.change(kind, 1);
    let p: Promise<T>;
    try { p = fn(); } catch (e) { this.change(kind, -1); throw e; }
    return p.finally(() => this.change(kind, -1));
  }

  /** Platform-alone time so far. */
  get seconds(): number {
    this.change('own', 0);
    return Number(this.total) / 1e9;
  }

  private change(kind: WaitKind, by: number): void {
    const now = this.now();
    if (this.pending.platform > 0 && this.pending.own === 0) this.total += now - this.since;
    this.since = now;
    this.pending[kind] += by;
  }
}

/** Sets the platform-alone time on an error a request fails with (sent with it: WireError.platformSeconds). */
export function withPlatformSeconds(e: unknown, seconds: number): unknown {
  if (e instanceof Error && seconds > 0) Object.assign(e, { platformSeconds: seconds });
  return e;
}
