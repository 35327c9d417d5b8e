import { mkdir, readdir, unlink, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, removeIfPresent } from '../util/atomic.js';
import { logger } from '../util/log.js';

const log = logger('store');

/**
 * One life of a record ID, from its first save (or its load) to its delete. The record objects saved under the ID
 * meanwhile (one replacing another) all belong to it, so a holder of any of them cannot save it back once deleted.
 */
interface Life { ended: boolean }

/**
 * A persisted record store: one JSON file per record under `dir`, written crash-safely (temp, fsync, rename).
 * Reads are served from memory; every mutation is written through before it is visible to callers of save().
 * The writes and the delete of one record run one at a time in call order, so the file ends as the last call left
 * it whatever order the file system finishes them in (each write's temp file is renamed or removed before the next
 * step starts). A deleted record stays deleted: saving a record object stored under it before the delete (by a
 * stop, an exit or a mark still holding it) neither re-adds it nor writes its file, so no removed container or pod
 * comes back after a restart. A new record object with a deleted record's ID is a new record and is saved.
 */
export class RecordStore<T extends { id: string }> {
  private readonly items = new Map<string, T>();
  private readonly pending = new Map<string, Promise<void>>();
  /** The life of each stored ID, and the life each record object saved under it (or loaded) belongs to. */
  private readonly lives = new Map<string, Life>();
  private readonly lifeOf = new WeakMap<T, Life>();

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
        if (rec && typeof rec.id === 'string') s.store(rec);
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
    if (this.lifeOf.get(rec)?.ended) return; // removed meanwhile: nothing to save it with
    this.store(rec);
    const data = JSON.stringify(rec);
    // Skipped when the record was deleted (or replaced) before its turn: the call after it leaves the file.
    await this.enqueue(rec.id, () => this.items.get(rec.id) === rec ? writeFileAtomic(this.file(rec.id), data) : undefined);
  }

  /** Resolves once every write and delete asked for so far is done (or failed: its caller heard of it). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending.values()].map((p) => p.catch(() => undefined)));
  }

  async delete(id: string): Promise<void> {
    const life = this.lives.get(id);
    if (life) life.ended = true;
    this.lives.delete(id);
    this.items.delete(id);
    await this.enqueue(id, () => removeIfPresent(this.file(id)));
  }

  private store(rec: T): void {
    let life = this.lives.get(rec.id);
    if (!life) this.lives.set(rec.id, life = { ended: false });
    if (!this.lifeOf.has(rec)) this.lifeOf.set(rec, life);
    this.items.set(rec.id, rec);
  }

  private file(id: string): string { return join(this.dir, `${id}.json`); }

  /** Runs `step` after the record's steps asked for before it (each of those failed or not). */
  private async enqueue(id: string, step: () => Promise<void> | undefined): Promise<void> {
    const prev = this.pending.get(id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(step);
    this.pending.set(id, next);
    try { await next; } finally { if (this.pending.get(id) === next) this.pending.delete(id); }
  }
}
