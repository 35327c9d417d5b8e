/**
 * A marker whose name is all it says (a namespace this runtime created: runtime/namespaces.ts): an empty file made
 * durable by its directory's fsync alone. Nothing reads its content, so it needs no temp file, data sync or
 * rename (three of the four steps of a crash-safe write, util/atomic.ts): a crash leaves the name present or
 * absent, and once created (before the caller's next step) it survives the process being killed; the directory
 * fsync (group-committed, dir-sync.ts) makes it survive a power cut too.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { openFd, closeFd } from './fd-ops.js';
import { syncDir } from './dir-sync.js';

export async function createNameMarker(path: string): Promise<void> {
  let fd: number;
  try {
    fd = await openFd(path, 'w', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await mkdir(dirname(path), { recursive: true });
    fd = await openFd(path, 'w', 0o600);
  }
  await closeFd(fd);
  await syncDir(dirname(path));
}
