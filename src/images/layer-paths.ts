/**
 * The rules a Windows layer tar's entries must follow (reference/hcs.md §2.5): paths inside Files/, Hives/ and
 * UtilityVM/, no absolute paths, `..` or stray ':' segments, symlink targets that stay in the layer, and the
 * Windows metadata carried in pax records. Breaking a rule is a LayerError naming the entry.
 */
import { posix } from 'node:path';
import { hasDriveLetter, isWindowsRooted, systemDriveComponents, withSlashes } from '../platform/path-syntax.js';

export const SECTIONS = ['Files', 'Hives', 'UtilityVM'] as const;
export type Section = typeof SECTIONS[number];
const MAX_PATH = 4096;

export class LayerError extends Error {
  constructor(message: string) { super(message); this.name = 'LayerError'; }
}

export interface WindowsMetadata {
  fileAttributes?: number;
  /** base64 self-relative security descriptor (MSWINDOWS.rawsd). */
  securityDescriptor?: string;
  /** legacy SDDL form (MSWINDOWS.sd). */
  sddl?: string;
  /** the symlink entry is a junction / mount point. */
  mountPoint?: boolean;
  /** pax time string (LIBARCHIVE.creationtime). */
  creationTime?: string;
  /** name → base64 value (MSWINDOWS.xattr.<name>). */
  extendedAttributes?: Record<string, string>;
}

export interface LayerPath { section: Section; /** segments below the section folder */ rest: string[] }

/** Validates a layer tar path and splits it into section + segments. `what` names the field in messages. */
export function checkLayerPath(name: string, what = 'entry'): LayerPath {
  const q = JSON.stringify(name);
  if (name.length > MAX_PATH) throw new LayerError(`${what} path is longer than ${MAX_PATH} characters`);
  if (name.includes('\\')) throw new LayerError(`${what} ${q} contains a backslash (tar paths use '/')`);
  if (name.startsWith('/')) throw new LayerError(`${what} ${q} is an absolute path`);
  if (hasDriveLetter(name)) throw new LayerError(`${what} ${q} is an absolute path (drive letter)`);
  const segs = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.some((s) => s === '..')) throw new LayerError(`${what} ${q} contains a '..' segment`);
  if (segs.length === 0) throw new LayerError(`${what} ${q} is empty`);
  const top = segs[0]!;
  const section = SECTIONS.find((s) => s.toLowerCase() === top.toLowerCase());
  if (!section) {
    throw new LayerError(`${what} ${q} is outside Files/, Hives/ and UtilityVM/ (not a Windows layer tar?)`);
  }
  const rest = segs.slice(1);
  for (let i = 0; i < rest.length - 1; i++) {
    if (rest[i]!.includes(':')) throw new LayerError(`${what} ${q}: ':' is only allowed in the last segment (alternate data stream)`);
  }
  if (rest.length) {
    const last = rest[rest.length - 1]!.replace(/:\$DATA$/, '');
    if (last === '' || last.startsWith(':')) throw new LayerError(`${what} ${q} has an empty file name`);
    rest[rest.length - 1] = last;
  }
  return { section, rest };
}

export function metadataOf(pax: Record<string, string>): WindowsMetadata | undefined {
  const m: WindowsMetadata = {};
  let any = false;
  const attr = pax['MSWINDOWS.fileattr'];
  if (attr !== undefined) {
    if (!/^[0-9]+$/.test(attr) || Number(attr) > 0xffffffff) throw new LayerError(`invalid MSWINDOWS.fileattr "${attr}"`);
    m.fileAttributes = Number(attr); any = true;
  }
  if (pax['MSWINDOWS.rawsd'] !== undefined) { m.securityDescriptor = pax['MSWINDOWS.rawsd']; any = true; }
  if (pax['MSWINDOWS.sd'] !== undefined) { m.sddl = pax['MSWINDOWS.sd']; any = true; }
  if (pax['MSWINDOWS.mountpoint'] !== undefined) { m.mountPoint = pax['MSWINDOWS.mountpoint'] === '1'; any = true; }
  if (pax['LIBARCHIVE.creationtime'] !== undefined) { m.creationTime = pax['LIBARCHIVE.creationtime']; any = true; }
  for (const [k, v] of Object.entries(pax)) {
    if (k.startsWith('MSWINDOWS.xattr.')) { (m.extendedAttributes ??= {})[k.slice('MSWINDOWS.xattr.'.length)] = v; any = true; }
  }
  return any ? m : undefined;
}

/**
 * Symlink targets: relative targets must stay inside the link's section; container-absolute targets on the
 * system drive (`C:\…`, `C:/…`) resolve inside the container's own root and are kept. Everything else (POSIX
 * absolute, UNC, device paths, other drives, relative escapes) is refused.
 */
export function checkSymlinkTarget(entry: string, p: LayerPath, target: string): void {
  const q = JSON.stringify(entry);
  if (target === '') throw new LayerError(`symlink ${q} has an empty target`);
  const onSystemDrive = systemDriveComponents(target);
  if (onSystemDrive) {
    if (onSystemDrive.some((s) => s === '..')) throw new LayerError(`symlink ${q} points outside the container root (${target})`);
    return;
  }
  if (isWindowsRooted(target)) {
    throw new LayerError(`symlink ${q} points outside the layer (absolute target ${JSON.stringify(target)})`);
  }
  const rel = posix.normalize(posix.join('.', ...p.rest.slice(0, -1), withSlashes(target)));
  if (rel === '..' || rel.startsWith('../')) throw new LayerError(`symlink ${q} points outside the layer (${JSON.stringify(target)})`);
}
