/**
 * Unpacks one Windows layer tar (reference/hcs.md §2.5: `Files/…`, `Hives/…`, `UtilityVM/…`, pax Windows
 * metadata, `.wh.` whiteouts) into a staging folder in the transport form that StorageService.importLayer takes:
 *   Files/ Hives/ UtilityVM/   the entries, as plain files, directories and links
 *   whiteouts.json             Files-relative paths ('/'-separated) this layer deletes from the layers below
 *   metadata.json              per-path Windows metadata from the pax records (attributes, security descriptor,
 *                              creation time, mount point flag, extended attributes), keyed by transport path
 * Hostile input is refused with a LayerError naming the entry: absolute paths, `..`, entries outside the three
 * folders, links leaving the layer, writes through links, device nodes and FIFOs, and more expanded bytes than
 * allowed. The caller removes the staging folder.
 */
import { createHash } from 'node:crypto';
import { mkdir, lstat, unlink, symlink, link, rm, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { readTar } from './tar/read.js';
import { maybeGunzip } from './tar/gunzip.js';
import { TarFormatError } from './tar/format.js';
import { writeLayerFile } from './layer-file.js';
import { WriteBehind } from './write-behind.js';
import { LayerError, checkLayerPath, checkSymlinkTarget, metadataOf, type LayerPath, type WindowsMetadata } from './layer-paths.js';

export { SECTIONS, LayerError, checkLayerPath, type Section, type LayerPath, type WindowsMetadata } from './layer-paths.js';

export const DEFAULT_MAX_LAYER_BYTES = 64 * 1024 ** 3;
const MAX_ENTRIES = 10_000_000;

export interface UnpackResult {
  /** sha256 of the uncompressed tar stream. */
  diffId: string;
  /** Uncompressed bytes read. */
  expandedBytes: number;
  entries: number;
  whiteouts: string[];
  /** Milliseconds in the file system calls that create, write and close the layer's files (blocked time included). */
  filesMs: number;
}

async function removeExisting(path: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return;
  if (st.isDirectory()) await rm(path, { recursive: true, force: true });
  else await unlink(path);
}

/**
 * Reads a (possibly gzip-compressed) layer tar from `source` into `staging` (which must not exist or be empty).
 * Computes the diff ID over the uncompressed stream; the caller must compare it with the image config's (the
 * gzip CRC-32 is not checked: that diff ID covers every expanded byte).
 */
export async function unpackLayer(source: AsyncIterable<Buffer>, staging: string, opts: { maxBytes?: number } = {}): Promise<UnpackResult> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_LAYER_BYTES;
  const hash = createHash('sha256');
  const counter = { bytes: 0 };
  const onData = (b: Buffer) => { hash.update(b); counter.bytes += b.length; };
  await mkdir(join(staging, 'Files'), { recursive: true });
  await mkdir(join(staging, 'Hives'), { recursive: true });
  const dev = statSync(staging).dev;
  // The common case — each path once, parents before children — costs no lstat or mkdir per entry: `dirs`
  // remembers directories this unpack made (forgotten whenever a directory is removed), and files, links and
  // symlinks are created exclusively, replacing what is there (a repeated path) only when that fails.
  const dirs = new Set<string>([join(staging, 'Files'), join(staging, 'Hives')]);
  const ensureDir = async (d: string) => {
    if (dirs.has(d)) return;
    await mkdir(d, { recursive: true });
    dirs.add(d);
  };
  const replacing = async <T>(path: string, create: () => Promise<T>): Promise<T> => {
    try {
      return await create();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if ((await lstat(path)).isDirectory()) dirs.clear();
      await removeExisting(path);
      return create();
    }
  };
  const whiteouts: string[] = [];
  const behind = new WriteBehind();
  const metadata: Record<string, WindowsMetadata> = {};
  const symlinks = new Set<string>();
  const regular = new Set<string>();
  let entries = 0;
  let filesMs = 0;
  const keyOf = (p: LayerPath) => [p.section, ...p.rest].join('/');
  const fsPath = (p: LayerPath) => join(staging, p.section, ...p.rest);
  const ensureNoLinkParent = (entry: string, p: LayerPath) => {
    for (let i = 0; i < p.rest.length; i++) {
      const prefix = [p.section, ...p.rest.slice(0, i)].join('/').toLowerCase();
      if (symlinks.has(prefix)) throw new LayerError(`entry ${JSON.stringify(entry)} would be written through the symlink ${JSON.stringify(prefix)}`);
    }
  };
  try {
    // No gzip CRC-32: every expanded byte is hashed here for the diff ID, which the caller checks (commitStaged).
    for await (const e of readTar(maybeGunzip(source, { crc: false }), { maxBytes, gzip: false, onData })) {
      if (++entries > MAX_ENTRIES) throw new LayerError(`layer has more than ${MAX_ENTRIES} entries`);
      const p = checkLayerPath(e.name);
      const key = keyOf(p);
      const base = p.rest[p.rest.length - 1];
      if (base !== undefined && base.startsWith('.wh.')) {
        if (base === '.wh..wh..opq') continue; // opaque-directory marker: no meaning for Windows layers (hcsshim ignores it)
        const removed = base.slice(4);
        if (!removed) throw new LayerError(`whiteout ${JSON.stringify(e.name)} names no file`);
        if (p.section !== 'Files') throw new LayerError(`whiteout ${JSON.stringify(e.name)} outside Files/ is not supported`);
        whiteouts.push([...p.rest.slice(0, -1), removed].join('/'));
        continue;
      }
      ensureNoLinkParent(e.name, p);
      const target = fsPath(p);
      const meta = metadataOf(e.pax);
      switch (e.type) {
        case 'dir': {
          if (dirs.has(target)) break;
          await ensureDir(join(target, '..'));
          try {
            await mkdir(target);
          } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
            if (!(await lstat(target)).isDirectory()) { await unlink(target); await mkdir(target); }
          }
          dirs.add(target);
          break;
        }
        case 'file': {
          if (p.rest.length === 0) throw new LayerError(`entry ${JSON.stringify(e.name)} is a file where the ${p.section} folder belongs`);
          await ensureDir(join(target, '..'));
          filesMs += await writeLayerFile({ target, mode: (e.mode & 0o777) | 0o600, size: e.size, mtime: e.mtime, body: e.body }, dev, replacing, behind);
          regular.add(key.toLowerCase());
          break;
        }
        case 'symlink': {
          if (p.rest.length === 0) throw new LayerError(`entry ${JSON.stringify(e.name)} is a symlink where the ${p.section} folder belongs`);
          checkSymlinkTarget(e.name, p, e.linkname);
          await ensureDir(join(target, '..'));
          await replacing(target, () => symlink(e.linkname, target));
          symlinks.add(key.toLowerCase());
          break;
        }
        case 'link': {
          if (p.rest.length === 0) throw new LayerError(`entry ${JSON.stringify(e.name)} is a hard link where the ${p.section} folder belongs`);
          let lp: LayerPath;
          try { lp = checkLayerPath(e.linkname, `hard link target of ${JSON.stringify(e.name)}:`); } catch (err) {
            throw new LayerError(`hard link ${JSON.stringify(e.name)} points outside the layer: ${(err as Error).message}`);
          }
          ensureNoLinkParent(e.linkname, lp);
          if (!regular.has(keyOf(lp).toLowerCase())) {
            throw new LayerError(`hard link ${JSON.stringify(e.name)} points to ${JSON.stringify(e.linkname)}, which is not an earlier file of this layer`);
          }
          await ensureDir(join(target, '..'));
          await replacing(target, () => link(fsPath(lp), target));
          regular.add(key.toLowerCase());
          break;
        }
        case 'char': case 'block': case 'fifo':
          throw new LayerError(`entry ${JSON.stringify(e.name)} is a ${e.type === 'fifo' ? 'FIFO' : 'device node'}; not allowed in a Windows layer`);
        default:
          throw new LayerError(`entry ${JSON.stringify(e.name)} has unsupported tar type '${e.typeflag}'`);
      }
      if (meta) metadata[key] = meta;
    }
    await behind.drain();
  } catch (e) {
    await behind.settle(); // no write may land in the staging folder after this unpack failed
    if (e instanceof TarFormatError) throw new LayerError(`layer tar: ${e.message}`);
    throw e;
  }
  filesMs += behind.ms;
  await writeFile(join(staging, 'whiteouts.json'), JSON.stringify(whiteouts));
  await writeFile(join(staging, 'metadata.json'), JSON.stringify(metadata));
  return { diffId: `sha256:${hash.digest('hex')}`, expandedBytes: counter.bytes, entries, whiteouts, filesMs: Math.round(filesMs) };
}
