import { mkdir, readdir, unlink, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, removeIfPresent } from '../util/atomic.js';
import { logger } from '../util/log.js';

const log = logger('store');

/**
 * A persisted record store: one JSON file per record under `dir`, written crash-safely (temp, fsync, rename).
 * Reads are served from memory; every mutation is written through before it is visible to callers of save().
 * Writes to the same record are serialised so a later state never loses to an earlier one.
 */
export class RecordStore<T extends { id: string }> {
  private readonly items = new Map<string, T>();
  private readonly pending = new Map<string, Promise<void>>();

  private constructor(private readonly dir: string) {}

  static async open<T extends { id: string }>(dir: string): Promise<RecordStore<T>> {
    const s = new RecordStore<T>(dir);
    await mkdir(dir, { recursive: true });
    for (const f of await readdir(dir)) {
      if (f.startsWith('.') && f.endsWith('.tmp')) {
        await unlink(join(dir, f)).catch(() => undefined); // leftover of an interrupted write
        continue;
      }
      if (!f.endsWith('.json')) continue;
      try {
        const rec = JSON.parse(await readFile(join(dir, f), 'utf8')) as T;
        if (rec && typeof rec.id === 'string') s.items.set(rec.id, rec);
      } catch (e) {
        log.error('skipping unreadable record', { file: join(dir, f), error: (e as Error).message });
      }
    }
    return s;
  }

  get(id: string): T | undefined { return this.items.get(id); }
  list(): T[] { return [...this.items.values()]; }
  /** The records in insertion order, without a copy (for a walk that builds its own result). */
  values(): IterableIterator<T> { return this.items.values(); }
  get size(): number { return this.items.size; }

  async save(rec: T): Promise<void> {
    this.items.set(rec.id, rec);
    const data = JSON.stringify(rec);
    const prev = this.pending.get(rec.id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => {
      // Writes run in call order, so the file ends with the latest snapshot; a deleted record is not rewritten.
      if (!this.items.has(rec.id)) return;
      return writeFileAtomic(join(this.dir, `${rec.id}.json`), data);
    });
    this.pending.set(rec.id, next);
    try { await next; } finally { if (this.pending.get(rec.id) === next) this.pending.delete(rec.id); }
  }

  /** Resolves once every write asked for so far is on disk (or failed: its caller heard of it). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending.values()].map((p) => p.catch(() => undefined)));
  }

  async delete(id: string): Promise<void> {
    this.items.delete(id);
    const prev = this.pending.get(id) ?? Promise.resolve();
    await prev.catch(() => undefined);
    await removeIfPresent(join(this.dir, `${id}.json`));
  }
}
