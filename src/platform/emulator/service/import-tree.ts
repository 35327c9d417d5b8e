/**
 * Imports a transport-format tree into a layer (storage.ts, HcsImportLayer). Regular files are hard-linked when
 * source and layer share a filesystem (the data is written once; the importer discards its staging copy
 * afterwards), copied otherwise.
 *
 * The walk makes its metadata calls synchronously (readdir with entry types, link, mkdir; a file's destination is
 * removed only when the link finds one there): one thread-pool round trip per call cost more CPU than the calls
 * themselves, several per file of every pulled layer. It yields to the event loop after every ~5 ms of work
 * (yielder.ts), so a large layer does not hold up the service's other calls.
 */
import { cp } from 'node:fs/promises';
import { constants, linkSync, lstatSync, mkdirSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { yielder } from './yielder.js';

export async function importTree(src: string, dst: string): Promise<void> {
  await importEntry(src, dst, lstatSync(src), yielder());
}

type Kind = 'dir' | 'file' | 'other';

async function importEntry(src: string, dst: string, kind: Kind | { isDirectory(): boolean; isFile(): boolean }, pause: () => Promise<void>): Promise<void> {
  const k: Kind = typeof kind === 'string' ? kind : kind.isDirectory() ? 'dir' : kind.isFile() ? 'file' : 'other';
  await pause();
  if (k === 'dir') {
    const st = lstatSync(src);
    mkdirSync(dst, { recursive: true });
    for (const e of readdirSync(src, { withFileTypes: true })) {
      const ek: Kind = e.isDirectory() ? 'dir' : e.isFile() ? 'file' : 'other';
      await importEntry(join(src, e.name), join(dst, e.name), ek, pause);
    }
    utimesSync(dst, st.atime, st.mtime);
    return;
  }
  if (k === 'file') {
    if (linkFile(src, dst)) return;
    await cp(src, dst, { force: true, preserveTimestamps: true, mode: constants.COPYFILE_FICLONE });
    return;
  }
  await cp(src, dst, { force: true, verbatimSymlinks: true, preserveTimestamps: true });
}

/** Hard-links src at dst (replacing a file there); false when the filesystem cannot link them (the caller copies). */
function linkFile(src: string, dst: string): boolean {
  for (let attempt = 0; ; attempt++) {
    try {
      linkSync(src, dst);
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && attempt === 0) { rmSync(dst, { force: true }); continue; }
      if (code === 'EXDEV' || code === 'EPERM' || code === 'EMLINK') return false;
      throw e;
    }
  }
}
