/**
 * A marker whose name is all it says (a namespace this runtime created: runtime/namespaces.ts): an empty file made
 * durable by its directory's fsync alone. Nothing reads its content, so it needs no temp file, data sync or
 * rename (three of the four steps of a crash-safe write, util/atomic.ts): a crash leaves the name present or
 * absent, and once created (before the caller's next step) it survives the process being killed; the directory
 * fsync (group-committed, dir-sync.ts) makes it survive a power cut too.
 */
import { dirname } from 'node:path';
import { closeSync } from 'node:fs';
import { openForWriteSync } from './fd-ops.js';
import { syncDir } from './dir-sync.js';

export async function createNameMarker(path: string): Promise<void> {
  closeSync(openForWriteSync(path, 0o600)); // on this thread: no thread-pool round trip (atomic.ts)
  await syncDir(dirname(path));
}
