/**
 * A marker whose name is all it says (a namespace this runtime created: runtime/namespaces.ts): an empty file made
 * durable by its directory's fsync alone. Nothing reads its content, so it needs no temp file, data sync or
 * rename (three of the four steps of a crash-safe write, util/atomic.ts): a crash leaves the name present or
 * absent, and once created (before the caller's next step) it survives the process being killed; the directory
 * fsync (group-committed, dir-sync.ts) makes it survive a power cut too.
 */
import { dirname } from 'node:path';
import { closeSync } from 'node:fs';
import { openForWrite, openForWriteSync, closeFd } from './fd-ops.js';
import { syncDir } from './dir-sync.js';
import { SYNC_STEPS_DEFAULT } from './sync-steps.js';

/** `syncSteps`: create it on this thread, no thread-pool round trip (default: Linux only; sync-steps.ts). */
export async function createNameMarker(path: string, syncSteps = SYNC_STEPS_DEFAULT): Promise<void> {
  if (syncSteps) closeSync(openForWriteSync(path, 0o600));
  else await closeFd(await openForWrite(path, 0o600));
  await syncDir(dirname(path));
}
