/**
 * Where an RPC's time goes: the CRI edge runs each handler with a clock (AsyncLocalStorage), and calls that leave
 * the daemon — platform (HCS/HCN/storage), IO keeper, CNI plugin execs — are timed into it by part. Overlapping
 * calls of one part count once (wall time with at least one call in flight), so a part never exceeds the RPC.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type OutsidePart = 'platform' | 'keeper' | 'cni-exec';

export class RpcClock {
  readonly seconds: Record<OutsidePart, number> = { platform: 0, keeper: 0, 'cni-exec': 0 };
  private readonly depth: Record<OutsidePart, number> = { platform: 0, keeper: 0, 'cni-exec': 0 };
  private readonly since: Record<OutsidePart, bigint> = { platform: 0n, keeper: 0n, 'cni-exec': 0n };

  enter(part: OutsidePart): void { if (this.depth[part]++ === 0) this.since[part] = process.hrtime.bigint(); }
  leave(part: OutsidePart): void {
    if (--this.depth[part] === 0) this.seconds[part] += Number(process.hrtime.bigint() - this.since[part]) / 1e9;
  }
}

const store = new AsyncLocalStorage<RpcClock>();

export function runWithClock<T>(clock: RpcClock, fn: () => T): T { return store.run(clock, fn); }

/** Runs `fn`, timing it as `part` of the current RPC's clock (if any). */
export function timed<T>(part: OutsidePart, fn: () => Promise<T>): Promise<T> {
  const clock = store.getStore();
  if (!clock) return fn();
  clock.enter(part);
  let p: Promise<T>;
  try { p = fn(); } catch (e) { clock.leave(part); throw e; }
  return p.finally(() => clock.leave(part));
}
