/**
 * What must survive a daemon restart for a job container: its document (a restarted daemon can give a running
 * container new processes: exec) and the temporary local user created for it (deleted when the container goes,
 * even if the daemon crashed in between). One JSON file per container under the state directory, replaced
 * crash-safely (temp, fsync, rename); written before the user is created, so a crash never leaves an untracked user.
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../util/atomic.js';
import type { JobContainerDoc } from '../../jobs/schema.js';

export interface JobRecord { id: string; doc: JobContainerDoc }

const SUFFIX = '.job.json';

export class JobRecords {
  constructor(private readonly dir: string | undefined) {}
  private path(id: string): string { return join(this.dir!, `${id}${SUFFIX}`); }

  async save(rec: JobRecord): Promise<void> {
    if (this.dir) await writeFileAtomic(this.path(rec.id), JSON.stringify(rec));
  }
  async load(id: string): Promise<JobRecord | undefined> {
    if (!this.dir) return undefined;
    try { return JSON.parse(await readFile(this.path(id), 'utf8')) as JobRecord; } catch { return undefined; }
  }
  async remove(id: string): Promise<void> {
    if (this.dir) await rm(this.path(id), { force: true });
  }
  async all(): Promise<JobRecord[]> {
    if (!this.dir) return [];
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const out: JobRecord[] = [];
    for (const n of names.filter((x) => x.endsWith(SUFFIX))) {
      const r = await this.load(n.slice(0, -SUFFIX.length));
      if (r) out.push(r);
    }
    return out;
  }
}
