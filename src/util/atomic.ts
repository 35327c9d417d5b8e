import { readFile, unlink } from 'node:fs/promises';
import { closeSync, renameSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openForWrite, openForWriteSync, datasyncFd, writeAll, writeAllSync, closeFd, renamePath } from './fd-ops.js';
import { syncDir } from './dir-sync.js';
import { SYNC_STEPS_DEFAULT } from './sync-steps.js';

export interface AtomicOptions {
  /**
   * false: the rename is not made durable (no directory fsync). For a change whose loss in a power cut is harmless:
   * the file then still holds its previous whole version, never a torn one.
   */
  syncDir?: boolean;
  /** Small records' open/write/close/rename on the caller's thread (default: Linux only; sync-steps.ts). */
  syncSteps?: boolean;
}

/**
 * Temp names: unique within this module instance by the counter, between instances (worker threads share the pid,
 * a module loaded twice has its own counter) by a nonce drawn once at load, between processes by the pid too.
 */
const tmpNonce = randomBytes(4).toString('hex');
let tmpSeq = 0;

/**
 * Up to this size, where synchronous steps are chosen (Linux: sync-steps.ts), the temp file is opened, written,
 * closed and renamed with synchronous calls on the caller's thread (microseconds each for a small file); only the
 * fdatasync and the directory fsync go to the thread pool. Each thread-pool request is two thread wake-ups (a pool
 * thread, then the event loop), and on a host whose cores are busy every wake-up waits for one: a record written
 * with a request per step paid that wait eight times. Larger data (layer manifests, configs) keeps the
 * asynchronous write, as does every write elsewhere (Windows: a close can stall in an antivirus scan).
 */
const SYNC_STEPS_MAX = 64 * 1024;

/**
 * Crash-safe replace: write a temp file beside the target, fdatasync it (data and size: all a new file needs to
 * be read back; half the cost of a full fsync here), rename over, fsync the directory (group-committed with the
 * other renames into it: dir-sync.ts). The directory is created only when the temp file cannot be (ENOENT), so
 * the usual write costs no mkdir.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600, opts: AtomicOptions = {}): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}-${tmpNonce}-${(tmpSeq++).toString(36)}.tmp`);
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  const onThread = (opts.syncSteps ?? SYNC_STEPS_DEFAULT) && buf.length <= SYNC_STEPS_MAX;
  const fd = onThread ? openForWriteSync(tmp, mode) : await openForWrite(tmp, mode);
  try {
    if (onThread) writeAllSync(fd, buf); else await writeAll(fd, buf);
    await datasyncFd(fd);
  } catch (e) {
    if (onThread) { try { closeSync(fd); } catch { /* already failing */ } } else await closeFd(fd).catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  try {
    if (onThread) {
      closeSync(fd);
      renameSync(tmp, path);
    } else {
      await closeFd(fd);
      await renamePath(tmp, path);
    }
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  if (opts.syncDir !== false) await syncDir(dir);
}

export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** Removes a file; a missing one is fine (one unlink, where rm({ force }) stats the path twice first). */
export async function removeIfPresent(path: string): Promise<void> {
  await unlink(path).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'ENOENT') throw e; });
}
