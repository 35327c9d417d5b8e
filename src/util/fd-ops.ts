/**
 * The few file-descriptor calls a crash-safe write needs, as promises over node's callback API: one libuv request
 * each, without the FileHandle object (and its close-on-GC bookkeeping) of node:fs/promises.
 */
import { open, write, fdatasync, fsync, close, rename, openSync, writeSync, mkdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

const done = <T>(resolve: (v: T) => void, reject: (e: Error) => void) =>
  (e: NodeJS.ErrnoException | null, v?: T) => { if (e) reject(e); else resolve(v as T); };

export const openFd = (path: string, flags: string, mode?: number) =>
  new Promise<number>((res, rej) => open(path, flags, mode, done(res, rej)));
export const closeFd = (fd: number) => new Promise<void>((res, rej) => close(fd, done(res, rej)));
export const datasyncFd = (fd: number) => new Promise<void>((res, rej) => fdatasync(fd, done(res, rej)));
export const syncFd = (fd: number) => new Promise<void>((res, rej) => fsync(fd, done(res, rej)));
export const renamePath = (from: string, to: string) => new Promise<void>((res, rej) => rename(from, to, done(res, rej)));

/** Writes all of `data` at the file's position (a short write continues where it stopped). */
export async function writeAll(fd: number, data: string | Uint8Array): Promise<void> {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  for (let off = 0; off < buf.length;) {
    off += await new Promise<number>((res, rej) => write(fd, buf, off, buf.length - off, null, done(res, rej)));
  }
}

/**
 * Opens `path` for writing (created or truncated); its directory is made only when the open finds it missing
 * (ENOENT), so the usual open costs no mkdir.
 */
export async function openForWrite(path: string, mode: number): Promise<number> {
  try {
    return await openFd(path, 'w', mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await mkdir(dirname(path), { recursive: true });
    return openFd(path, 'w', mode);
  }
}

/** writeAll on the caller's thread (small records: see atomic.ts). */
export function writeAllSync(fd: number, buf: Uint8Array): void {
  for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off, buf.length - off);
}

/** openForWrite on the caller's thread. */
export function openForWriteSync(path: string, mode: number): number {
  try {
    return openSync(path, 'w', mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, 'w', mode);
  }
}
