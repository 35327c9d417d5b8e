/**
 * Copies a layer's folder tree onto another (the union a writable layer materialises, union.ts) with synchronous
 * file-system calls in bounded batches: an asynchronous call costs a thread-pool round trip per syscall, which on a
 * busy host dwarfs the syscall itself, while a batch keeps the service's event loop free between slices (a large
 * layer yields every BATCH_MS; a big file is copied on the thread pool). What it copies is what `fs.cp(src, dest,
 * { recursive, force, verbatimSymlinks, preserveTimestamps, mode: COPYFILE_FICLONE })` did: directories merged (a new
 * one gets its source's mode), files replaced (reflinked where the file system can, mode and timestamps kept), links
 * copied verbatim; an entry of another type than the one it replaces is removed first (a union's upper layer wins),
 * and sockets, FIFOs and devices are refused.
 */
import { type Stats, copyFileSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, unlinkSync, utimesSync, chmodSync, constants } from 'node:fs';
import { copyFile, rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';

const BATCH_MS = 4;
/** Files at least this big are copied on the thread pool: a copy that cannot reflink would block the loop. */
const ASYNC_COPY_BYTES = 1024 * 1024;

type Work = [src: string, dest: string] | { finish: string; mode: number };

/**
 * Copies one entry; returns the work it leaves (a directory's children, then setting its mode), or a promise for
 * the part done on the thread pool (a big file; removing a directory the entry replaces).
 */
function copyEntry(src: string, dest: string, stat?: Stats): Work[] | Promise<void> {
  const s = stat ?? lstatSync(src);
  const d = lstatSync(dest, { throwIfNoEntry: false });
  if (s.isDirectory()) {
    if (d && !d.isDirectory()) rmSync(dest, { force: true });
    const children = readdirSync(src).map((n): Work => [join(src, n), join(dest, n)]);
    if (d?.isDirectory()) {
      // Merged into: it keeps its mode, made writable by its owner meanwhile if it was not (a lower layer's 0555).
      if ((d.mode & 0o200) !== 0) return children;
      chmodSync(dest, (d.mode & 0o7777) | 0o200);
      return [{ finish: dest, mode: d.mode & 0o7777 }, ...children];
    }
    // Writable by its owner until its children are in (a 0555 directory would refuse them); its mode comes after.
    mkdirSync(dest, { mode: 0o700 });
    return [{ finish: dest, mode: s.mode & 0o7777 }, ...children];
  }
  if (d?.isDirectory()) {
    return rm(dest, { recursive: true, force: true }).then(() => {
      const rest = copyEntry(src, dest);
      return rest instanceof Promise ? rest : undefined;
    });
  }
  if (d) unlinkSync(dest);
  if (s.isSymbolicLink()) {
    symlinkSync(readlinkSync(src), dest);
  } else if (s.isFile() && s.size >= ASYNC_COPY_BYTES) {
    return copyFile(src, dest, constants.COPYFILE_FICLONE).then(() => utimes(dest, s.atime, s.mtime));
  } else if (s.isFile()) {
    copyFileSync(src, dest, constants.COPYFILE_FICLONE); // the destination gets the source's mode
    utimesSync(dest, s.atime, s.mtime);
  } else {
    throw new Error(`${src} is neither a file, a directory nor a symbolic link; a layer cannot carry it`);
  }
  return [];
}

/**
 * Copies the tree at `src` onto `dest` (merged into it when it exists). `src` itself must be a directory, not a
 * link to one: a link there would replace the whole destination tree.
 */
export async function copyTree(src: string, dest: string): Promise<void> {
  const root = lstatSync(src);
  if (!root.isDirectory()) throw new Error(`${src} is not a directory; a layer's files must be one`);
  // The root is copied with the stat just taken (a directory's entry is done synchronously: never a promise).
  const work = copyEntry(src, dest, root) as Work[];
  let sliceStart = performance.now();
  try {
    while (work.length > 0) {
      const item = work.pop()!;
      if (!Array.isArray(item)) { chmodSync(item.finish, item.mode); continue; }
      const next = copyEntry(item[0], item[1]);
      if (next instanceof Promise) {
        await next;
        sliceStart = performance.now();
        continue;
      }
      for (const child of next) work.push(child);
      if (performance.now() - sliceStart > BATCH_MS) {
        await new Promise((r) => setImmediate(r));
        sliceStart = performance.now();
      }
    }
  } finally {
    // A copy that failed part-way still leaves every directory it made or opened up with its mode: a retry merges
    // into them and would not set it again.
    for (const item of work.reverse()) if (!Array.isArray(item)) { try { chmodSync(item.finish, item.mode); } catch { /* gone */ } }
  }
}
