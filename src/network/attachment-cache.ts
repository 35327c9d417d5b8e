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
  constructor(private readonly dir: string) {}

  private file(id: string): string { return join(this.dir, `${id}.json`); }
  async save(rec: CacheRecord): Promise<void> { await writeFileAtomic(this.file(rec.sandboxId), JSON.stringify(rec)); }
  async drop(id: string): Promise<void> { await removeIfPresent(this.file(id)); }
  async read(id: string): Promise<CacheRecord | undefined> {
    try { return JSON.parse(await readFile(this.file(id), 'utf8')) as CacheRecord; } catch { return undefined; }
  }
  /** The sandbox IDs that have a record. */
  async list(): Promise<string[]> {
    try { return (await readdir(this.dir)).filter((f) => f.endsWith('.json') && !f.startsWith('.')).map((f) => f.slice(0, -5)); } catch { return []; }
  }
}
