/**
 * Handles on processes, counted per process (procKey) over all connections: HcsCreateProcess and
 * HcsOpenProcess each give one, HcsCloseProcess (or the caller's connection going away) releases it. An exited
 * process is forgotten once its count is zero (process-forget.ts). The counts are not persisted: after a service
 * restart the clients re-open the handles they hold.
 */
import { parseProcKey } from '../protocol.js';

export class ProcessHandles {
  private readonly counts = new Map<string, number>();

  count(key: string): number { return this.counts.get(key) ?? 0; }
  add(key: string): void { this.counts.set(key, this.count(key) + 1); }
  /** True when that was the last handle. */
  release(key: string): boolean {
    const n = this.count(key) - 1;
    if (n > 0) { this.counts.set(key, n); return false; }
    this.counts.delete(key);
    return true;
  }
  /** The counts of a system that is forgotten (its processes with it). */
  dropSystem(systemId: string): void {
    for (const k of this.counts.keys()) if (parseProcKey(k).id === systemId) this.counts.delete(k);
  }
}
