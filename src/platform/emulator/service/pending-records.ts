/**
 * Record writes a caller chose not to wait for (`recordLater` on createProcess and attachLayerStorageFilter): the
 * answer goes out while the write runs, and the caller asks, by key, for it to be on disk before it relies on it
 * (processRecorded, layerRecorded) — so its own record write overlaps the service's. A write that failed makes
 * that ask fail (ERROR_DISK_FULL), so the caller undoes what it did instead of reporting it; a caller that waits
 * at once keeps the service's usual rule (a failed write is logged, the record stays in memory and goes to disk
 * with the next write that succeeds).
 */
import { HRESULT, PlatformError } from '../../hresult.js';

export class PendingRecords {
  private readonly writes = new Map<string, Promise<void>>();

  /** `write` resolves to whether the record reached the disk; awaited now unless `recordLater`. */
  track(key: string, write: Promise<boolean>, recordLater: boolean, op: string): Promise<void> {
    if (!recordLater) return write.then(() => undefined);
    const landed = write.then((ok) => {
      if (!ok) throw new PlatformError(HRESULT.ERROR_DISK_FULL, op, `the service's record of ${key} could not be written`);
    });
    this.writes.set(key, landed);
    // Kept while it fails (a later wait() fails too); dropped once on disk.
    landed.then(() => { if (this.writes.get(key) === landed) this.writes.delete(key); }, () => undefined);
    return Promise.resolve();
  }

  /** Resolves once the write kept under `key` is on disk (at once when none is pending); rejects if it failed. */
  async wait(key: string): Promise<void> { await this.writes.get(key); }

  /** The process under `key` is forgotten: a failed write kept for it goes too. */
  forget(key: string): void { this.writes.delete(key); }
}
