/** The per-pod record of a CNI attachment under the cache dir (written crash-safely before and after ADD), so DEL runs with what ADD used. */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, removeIfPresent } from '../util/atomic.js';

export interface CacheRecord {
  sandboxId: string;
  ifName: string;
  netns: string;
  args: string;
  runtimeConfig: Record<string, unknown>;
  network: string;
  state: 'adding' | 'added';
  result?: unknown;
}

export class AttachmentCache {
  /** What this process last wrote per sandbox (the file's text): a read after our own write needs no file read. */
  private readonly written = new Map<string, string>();
  /**
   * The latest save or drop per sandbox (a number unique in this process): a save remembers its text only when no
   * later save or drop started meanwhile. A drop overlapping a save (GC of a stale attachment while a pod operation
   * writes it) must not leave memory saying "present" with the file gone.
   */
  private readonly latest = new Map<string, number>();
  private seq = 0;

  constructor(private readonly dir: string) {}

  private file(id: string): string { return join(this.dir, `${id}.json`); }
  async save(rec: CacheRecord): Promise<void> {
    const id = rec.sandboxId;
    const text = JSON.stringify(rec);
    const mine = ++this.seq;
    this.latest.set(id, mine);
    this.written.delete(id); // unknown until the write is done
    await writeFileAtomic(this.file(id), text);
    if (this.latest.get(id) === mine) this.written.set(id, text);
  }
  async drop(id: string): Promise<void> {
    const mine = ++this.seq;
    this.latest.set(id, mine);
    this.written.delete(id);
    await removeIfPresent(this.file(id));
    if (this.latest.get(id) === mine) this.latest.delete(id);
  }
  /** A fresh copy each time (callers adjust what they read). */
  async read(id: string): Promise<CacheRecord | undefined> {
    try { return JSON.parse(this.written.get(id) ?? await readFile(this.file(id), 'utf8')) as CacheRecord; } catch { return undefined; }
  }
  /** The sandbox IDs that have a record; none where the directory cannot be read (GC's view: nothing to collect). */
  async list(): Promise<string[]> {
    try { return await this.recorded() ?? []; } catch { return []; }
  }
  /**
   * The sandbox IDs that have a record, for evidence that a record is gone: undefined when the directory is missing
   * (no record was ever written, or the directory was lost: which, is unknown; the first save makes it); rejects
   * when it cannot be read (EACCES, EIO, ENOTDIR).
   */
  async recorded(): Promise<string[] | undefined> {
    let names: string[];
    try { names = await readdir(this.dir); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    return names.filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => f.slice(0, -5));
  }
}
