/**
 * Where an RPC's time goes: the CRI edge runs each handler with a clock (in its request context, util/request-context.ts), and calls that leave
 * the daemon — platform (HCS/HCN/storage), IO keeper, CNI plugin execs — are timed into it by part. Overlapping
 * calls of one part count once (wall time with at least one call in flight), so a part never exceeds the RPC.
 */
import { currentContext, runInContext, type OutsidePart, type PartClock } from './request-context.js';

export type { OutsidePart };

export class RpcClock implements PartClock {
  readonly seconds: Record<OutsidePart, number> = { platform: 0, keeper: 0, 'cni-exec': 0 };
  private readonly depth: Record<OutsidePart, number> = { platform: 0, keeper: 0, 'cni-exec': 0 };
  private readonly since: Record<OutsidePart, bigint> = { platform: 0n, keeper: 0n, 'cni-exec': 0n };

  enter(part: OutsidePart): void { if (this.depth[part]++ === 0) this.since[part] = process.hrtime.bigint(); }
  leave(part: OutsidePart): void {
    if (--this.depth[part] === 0) this.seconds[part] += Number(process.hrtime.bigint() - this.since[part]) / 1e9;
  }
  move(from: OutsidePart, to: OutsidePart, seconds: number): void {
    const s = Math.min(Math.max(0, seconds), this.seconds[from]);
    this.seconds[from] -= s;
    this.seconds[to] += s;
  }
}

export function runWithClock<T>(clock: RpcClock, fn: () => T): T { return runInContext({ fields: currentContext()?.fields, clock }, fn); }

/** Runs `fn`, timing it as `part` of the current RPC's clock (if any). */
export function timed<T>(part: OutsidePart, fn: () => Promise<T>): Promise<T> {
  const clock = currentContext()?.clock;
  if (!clock) return fn();
  clock.enter(part);
  let p: Promise<T>;
  try { p = fn(); } catch (e) { clock.leave(part); throw e; }
  return p.finally(() => clock.leave(part));
}

/** The `platformSeconds` an answer or an error (or the error it wraps: `cause`) reports; 0 when none. */
export function reportedPlatformSeconds(outcome: unknown): number {
  const o = outcome as { platformSeconds?: unknown; cause?: { platformSeconds?: unknown } } | null | undefined;
  const s = o?.platformSeconds ?? o?.cause?.platformSeconds;
  return typeof s === 'number' && Number.isFinite(s) && s > 0 ? s : 0;
}

/**
 * After a timed `from` call whose answer or error says how much of it the service spent waiting on the platform
 * (`platformSeconds`, e.g. the IO keeper's start): that much is counted as platform time.
 */
export function creditPlatform(from: OutsidePart, outcome: unknown): void {
  const s = reportedPlatformSeconds(outcome);
  if (s > 0) currentContext()?.clock?.move(from, 'platform', s);
}
