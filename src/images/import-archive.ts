/**
 * An image archive unpacked for import (import.ts): a tar (optionally gzip-compressed) extracted into a folder of
 * the store's tmp/, every entry name kept inside it (no absolute names, no `..`); symlinks and hard links are not
 * made but recorded as aliases of the archive path they name, so reading through them stays in the archive.
 * Anything wrong with the archive is the caller's mistake: InvalidArgument (`refuse`).
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, stat, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { invalidArgument, errorMessage } from '../errors.js';
import { readTar } from './tar/read.js';
import { TarFormatError } from './tar/format.js';
import { isWindowsRooted } from '../platform/path-syntax.js';

/** Refuses the archive (InvalidArgument: what is wrong with it). */
export function refuse(msg: string): never {
  throw invalidArgument(msg);
}

/** Extracted archive: files under `dir`; symlinks/hard links recorded as aliases. */
export class Extracted {
  readonly aliases = new Map<string, string>();
  constructor(readonly dir: string) {}

  resolve(rel: string, what: string): string {
    let p = normaliseArchivePath(rel, what);
    for (let i = 0; i < 16 && this.aliases.has(p); i++) p = this.aliases.get(p)!;
    return p;
  }

  path(rel: string, what: string): string {
    return join(this.dir, ...this.resolve(rel, what).split('/'));
  }

  async exists(rel: string): Promise<boolean> {
    try { return (await stat(this.path(rel, rel))).isFile(); } catch { return false; }
  }

  async read(rel: string, what: string, limit = 16 * 1024 * 1024): Promise<Buffer> {
    const p = this.path(rel, what);
    const st = await stat(p).catch(() => undefined);
    if (!st?.isFile()) refuse(`the archive has no ${what} (${rel})`);
    if (st.size > limit) refuse(`${what} (${rel}) is larger than ${limit} bytes`);
    return readFile(p);
  }
}

export function normaliseArchivePath(name: string, what: string): string {
  if (name.includes('\\') || isWindowsRooted(name)) refuse(`${what}: path ${JSON.stringify(name)} is not relative`);
  const n = posix.normalize(name.replace(/^\.\//, ''));
  if (n === '..' || n.startsWith('../') || n.split('/').includes('..')) refuse(`${what}: path ${JSON.stringify(name)} leaves the archive`);
  return n.replace(/\/$/, '');
}

export async function extractArchive(path: string, dir: string, maxBytes: number): Promise<Extracted> {
  const x = new Extracted(dir);
  try {
    for await (const e of readTar(createReadStream(path), { maxBytes })) {
      const rel = normaliseArchivePath(e.name, 'archive entry');
      if (rel === '.' || rel === '') continue;
      const target = join(dir, ...rel.split('/'));
      if (e.type === 'dir') { await mkdir(target, { recursive: true }); continue; }
      if (e.type === 'symlink') {
        x.aliases.set(rel, normaliseArchivePath(posix.join(posix.dirname(rel), e.linkname), `symlink ${rel}`));
        continue;
      }
      if (e.type === 'link') { x.aliases.set(rel, normaliseArchivePath(e.linkname, `hard link ${rel}`)); continue; }
      if (e.type !== 'file') continue; // device nodes etc. have no place in an image archive; ignored
      await mkdir(join(target, '..'), { recursive: true });
      const fh = await open(target, 'w', 0o600);
      try { for await (const b of e.body) await fh.write(b); } finally { await fh.close(); }
    }
  } catch (e) {
    if (e instanceof TarFormatError) refuse(`${path} is not a valid tar archive: ${e.message}`);
    if ((e as NodeJS.ErrnoException).code?.startsWith?.('Z_')) refuse(`${path}: corrupt gzip data (${errorMessage(e)})`);
    throw e;
  }
  return x;
}
