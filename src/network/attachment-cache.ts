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

  constructor(private readonly dir: string) {}

  private file(id: string): string { return join(this.dir, `${id}.json`); }
  async save(rec: CacheRecord): Promise<void> {
    const text = JSON.stringify(rec);
    this.written.delete(rec.sandboxId); // unknown until the write is done
    await writeFileAtomic(this.file(rec.sandboxId), text);
    this.written.set(rec.sandboxId, text);
  }
  async drop(id: string): Promise<void> {
    this.written.delete(id);
    await removeIfPresent(this.file(id));
  }
  /** A fresh copy each time (callers adjust what they read). */
  async read(id: string): Promise<CacheRecord | undefined> {
    try { return JSON.parse(this.written.get(id) ?? await readFile(this.file(id), 'utf8')) as CacheRecord; } catch { return undefined; }
  }
  /** The sandbox IDs that have a record. */
  async list(): Promise<string[]> {
    try { return (await readdir(this.dir)).filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => f.slice(0, -5)); } catch { return []; }
  }
}
