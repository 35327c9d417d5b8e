/**
 * Group commit of directory fsyncs. A rename is durable once its directory is fsynced by a call that started
 * after it. A caller joins the round queued for its directory when that round has not started yet (it starts
 * after the caller's rename); otherwise it queues the next round, which starts when the running one ends. Under a
 * burst of writes into one directory (pods started in parallel) the renames of a round share one fsync.
 */
import { openFd, syncFd, closeFd } from './fd-ops.js';

interface Round { started: boolean; done: Promise<void> }

/** A group-committing syncDir over `fsyncNow` (the real one below; tests pass a controllable one). */
export function groupCommit(fsyncNow: (dir: string) => Promise<void>): (dir: string) => Promise<void> {
  const rounds = new Map<string, Round>();
  return (dir) => {
    const cur = rounds.get(dir);
    if (cur && !cur.started) return cur.done;
    const round: Round = { started: false, done: Promise.resolve() };
    round.done = (cur ? cur.done : Promise.resolve()).then(async () => {
      round.started = true;
      await fsyncNow(dir);
    }).finally(() => { if (rounds.get(dir) === round) rounds.delete(dir); });
    rounds.set(dir, round);
    return round.done;
  };
}

/** fsync of a directory; failures ignored (not openable or not syncable on every platform; rename is durable enough there). */
async function fsyncDirNow(dir: string): Promise<void> {
  let fd: number;
  try { fd = await openFd(dir, 'r'); } catch { return; }
  try { await syncFd(fd); } catch { /* see above */ } finally { await closeFd(fd).catch(() => undefined); }
}

/** Resolves once an fsync of `dir` that started after this call has finished. */
export const syncDir = groupCommit(fsyncDirNow);
