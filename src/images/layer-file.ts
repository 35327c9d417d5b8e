/**
 * A regular file of a layer: created exclusively (replacing what a repeated path left) and its body written —
 * direct to the disk when the file is large enough and its file system takes O_DIRECT (direct-writer.ts), through
 * the page cache in 1 MiB vectored writes otherwise (file-writer.ts). Synchronous calls: unpackLayer runs on its
 * own worker thread (unpack-worker.ts), where they block nothing else and skip the thread-pool hand-offs.
 */
import { closeSync, constants, futimesSync, openSync, utimesSync } from 'node:fs';
import { SyncBatchedWriter } from './file-writer.js';
import { DirectWriter, O_DIRECT, directWritable, refuseDirect } from './direct-writer.js';
import type { WriteBehind } from './write-behind.js';

/** Runs `create`; when the path exists, removes what is there and runs it again (layer.ts). */
export type Replacing = <T>(path: string, create: () => Promise<T>) => Promise<T>;

export interface LayerFile {
  target: string;
  mode: number;
  /** The entry's size from its header (decides the direct path). */
  size: number;
  /** Seconds since the epoch; 0: left as written. */
  mtime: number;
  body: AsyncIterable<Buffer>;
}

const EXCL = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;

/**
 * Writes the file; returns the milliseconds spent in the file system calls (blocked time included). `dev`: the
 * staging folder's device. With `behind`, a file written direct is finished there (write-behind.ts): this returns
 * once its body is handed to the disk, its last write maybe still in flight.
 */
export async function writeLayerFile(f: LayerFile, dev: number, replacing: Replacing, behind?: WriteBehind): Promise<number> {
  let t0 = performance.now();
  let direct = directWritable(f.size, dev);
  let fd: number | undefined;
  if (direct) {
    try {
      fd = await replacing(f.target, async () => openSync(f.target, EXCL | O_DIRECT, f.mode));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
      // This file system takes no O_DIRECT (the failed open may have created the file: `replacing` removes it).
      refuseDirect(dev);
      direct = false;
    }
  }
  fd ??= await replacing(f.target, async () => openSync(f.target, EXCL, f.mode));
  let ms = performance.now() - t0;
  const w = direct ? new DirectWriter(fd, pageCacheReopen(fd, dev)) : new SyncBatchedWriter(fd);
  if (w instanceof DirectWriter) {
    try {
      for await (const chunk of f.body) await w.write(chunk);
    } catch (e) {
      // No write may still be in flight when the descriptor closes (its number could be reused by another file).
      await w.idle();
      closeSync(fd);
      throw e;
    }
    const done = finishDirect(w, fd, f.mtime);
    if (behind) { await behind.add(done); return ms; }
    await done;
    return ms + w.ms;
  }
  try {
    for await (const chunk of f.body) w.write(chunk);
    w.flush();
  } finally {
    t0 = performance.now();
    closeSync(fd);
  }
  if (f.mtime > 0) try { utimesSync(f.target, f.mtime, f.mtime); } catch { /* best effort, as before */ }
  return ms + performance.now() - t0 + w.ms;
}

/**
 * The end of a file written direct: its last write, the cut back to size, its time stamps (on the descriptor: a
 * repeated path may name another file by now), the close — after every write has settled, failed or not.
 */
async function finishDirect(w: DirectWriter, fd: number, mtime: number): Promise<void> {
  try {
    await w.finish();
    if (mtime > 0) try { futimesSync(fd, mtime, mtime); } catch { /* best effort, as on the other path */ }
  } finally {
    await w.idle();
    closeSync(fd);
  }
}

/**
 * For a file system that took the O_DIRECT open but refuses the write (EINVAL): the device is remembered like one
 * that refuses the open, and the file opened again without O_DIRECT through its descriptor's /proc link — the same
 * file, whatever its path names meanwhile (O_DIRECT exists only on Linux, where that link does).
 */
function pageCacheReopen(fd: number, dev: number): () => number {
  return () => {
    refuseDirect(dev);
    return openSync(`/proc/self/fd/${fd}`, constants.O_WRONLY);
  };
}
