/**
 * Failed removals of journalled Linux objects (network-reaper.ts), by Linux name: how often and why the removal
 * failed, so that a leak audit (settleRemovals) reports a removal that keeps failing instead of counting it as the
 * service's own for good. An entry is cleared once its removal succeeds.
 */
import type { PendingRemoval } from '../../types.js';
export interface RemovalFailure { failures: number; lastError: string }

export class RemovalFailures {
  private readonly byName = new Map<string, RemovalFailure>();

  failed(name: string, e: unknown): void {
    const f = this.byName.get(name);
    this.byName.set(name, { failures: (f?.failures ?? 0) + 1, lastError: (e as Error)?.message ?? String(e) });
  }

  succeeded(name: string): void { this.byName.delete(name); }

  of(name: string): RemovalFailure | undefined { return this.byName.get(name); }
}

/** One journalled Linux name as settleRemovals answers it: the seam's own type (platform/types.ts). */
export type { PendingRemoval };

/** The entry of `name`: failed when its last removal failed, else confirming or in its grace period. */
export function pendingEntry(name: string, confirming: boolean, failures: RemovalFailures): PendingRemoval {
  const f = failures.of(name);
  if (f) return { name, state: 'failed', failures: f.failures, lastError: f.lastError };
  return { name, state: confirming ? 'confirming' : 'grace', failures: 0 };
}
