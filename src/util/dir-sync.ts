/**
 * Group commit of directory fsyncs. A rename is durable once its directory is fsynced by a call that started
 * after it. A caller joins the round queued for its directory when that round has not started yet (it starts
 * after the caller's rename); otherwise it queues the next round, which starts when the running one ends. Under a
 * burst of writes into one directory (pods started in parallel) the renames of a round share one fsync. A failed
 * round fails every caller that joined it (none of their renames is known durable); the next round still runs.
 */
import { openSync, closeSync } from 'node:fs';
import { syncFd, openFd, closeFd } from './fd-ops.js';
import { SYNC_STEPS_DEFAULT } from './sync-steps.js';

interface Round { started: boolean; done: Promise<void> }

/** A group-committing syncDir over `fsyncNow` (the real one below; tests pass a controllable one). */
export function groupCommit(fsyncNow: (dir: string) => Promise<void>): (dir: string) => Promise<void> {
  const rounds = new Map<string, Round>();
  return (dir) => {
    const cur = rounds.get(dir);
    if (cur && !cur.started) return cur.done;
    const round: Round = { started: false, done: Promise.resolve() };
    // The next round waits for the running one to end, whatever its outcome (its failure is its joiners').
    round.done = (cur ? cur.done.catch(() => undefined) : Promise.resolve()).then(async () => {
      round.started = true;
      await fsyncNow(dir);
    }).finally(() => { if (rounds.get(dir) === round) rounds.delete(dir); });
    rounds.set(dir, round);
    return round.done;
  };
}

/**
 * Errors that mean "a directory cannot be opened or fsynced here" (some platforms and file systems refuse it; the
 * rename is as durable as that file system makes it). Anything else (EMFILE, EIO...) is a real failure; a directory
 * removed before it could be opened (ENOENT) has nothing left to sync.
 */
const UNSUPPORTED = new Set(['EISDIR', 'EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EPERM']);

export function dirSyncUnsupported(e: unknown): boolean {
  return UNSUPPORTED.has((e as NodeJS.ErrnoException)?.code ?? '');
}

/**
 * fsync of a directory now: rejects unless it succeeded or directory fsync is not supported (Windows: never).
 * `syncSteps`: the directory is opened and closed on this thread, only the fsync on the pool (sync-steps.ts).
 */
export async function fsyncDirNow(dir: string, syncSteps = SYNC_STEPS_DEFAULT): Promise<void> {
  if (process.platform === 'win32') return; // directories cannot be opened for fsync there
  let fd: number;
  // ENOENT: the directory was removed meanwhile (a container's state removed during a write): nothing is left to
  // make durable, so the caller's rename is as done as it can be.
  try { fd = syncSteps ? openSync(dir, 'r') : await openFd(dir, 'r'); } catch (e) { if (dirSyncUnsupported(e) || (e as NodeJS.ErrnoException).code === 'ENOENT') return; throw e; }
  try {
    await syncFd(fd);
  } catch (e) {
    if (!dirSyncUnsupported(e)) throw e;
  } finally {
    // read-only: the fsync's outcome is already known
    if (syncSteps) { try { closeSync(fd); } catch { /* as above */ } } else await closeFd(fd).catch(() => undefined);
  }
}

/** Resolves once an fsync of `dir` that started after this call has finished; rejects when that fsync failed. */
export const syncDir = groupCommit((dir) => fsyncDirNow(dir));
