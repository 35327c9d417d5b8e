/**
 * Imports a transport-format tree into a layer (storage.ts, HcsImportLayer). Regular files are hard-linked when
 * source and layer share a filesystem (the data is written once; the importer discards its staging copy
 * afterwards), copied otherwise.
 */
import { cp, mkdir, rm, lstat, readdir, link, utimes } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';

export async function importTree(src: string, dst: string): Promise<void> {
  const st = await lstat(src);
  if (st.isDirectory()) {
    await mkdir(dst, { recursive: true });
    for (const e of await readdir(src)) await importTree(join(src, e), join(dst, e));
    await utimes(dst, st.atime, st.mtime);
    return;
  }
  if (st.isFile()) {
    await rm(dst, { force: true });
    try {
      await link(src, dst);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw e;
      await cp(src, dst, { force: true, preserveTimestamps: true, mode: constants.COPYFILE_FICLONE });
    }
    return;
  }
  await cp(src, dst, { force: true, verbatimSymlinks: true, preserveTimestamps: true });
}
