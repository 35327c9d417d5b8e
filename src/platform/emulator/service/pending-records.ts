/**
 * Record writes a caller chose not to wait for (`recordLater` on createProcess and attachLayerStorageFilter): the
 * answer goes out while the write runs, and the caller asks, by key, for it to be on disk before it relies on it
 * (processRecorded, layerRecorded) — so its own record write overlaps the service's.
 */
export class PendingRecords {
  private readonly writes = new Map<string, Promise<void>>();

  /** Returns `write` when the caller waits for it now; else keeps it under `key` until it settles. */
  track(key: string, write: Promise<void>, recordLater: boolean): Promise<void> {
    if (!recordLater) return write;
    this.writes.set(key, write);
    void write.finally(() => { if (this.writes.get(key) === write) this.writes.delete(key); });
    return Promise.resolve();
  }

  /** Resolves once the write kept under `key` is on disk (at once when none is pending). */
  async wait(key: string): Promise<void> { await this.writes.get(key); }
}
