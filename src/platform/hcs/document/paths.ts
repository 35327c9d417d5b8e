import { DocumentError } from './errors.js';

/** The pipe name a path names (any spelling Windows reads as a local pipe), or undefined: platform/host-path.ts. */
export { pipeNameOf as pipeName, canonicalPipePath } from '../../host-path.js';

/**
 * Normalises a container path for MappedDirectory.ContainerPath: forward slashes become backslashes, a rooted
 * path without a drive (`\data`) is put on C:, duplicate and trailing separators are removed. A drive without a
 * path (`C:`), a drive root (`C:\`), a relative or empty path cannot be a mount destination.
 */
export function normalizeContainerPath(dest: string): string {
  let p = dest.replace(/\//g, '\\');
  if (p.startsWith('\\\\')) throw new DocumentError(`mount destination ${JSON.stringify(dest)} is a UNC or device path, not a container directory`);
  if (p.startsWith('\\')) p = `C:${p}`;
  const m = /^([A-Za-z]):(.*)$/.exec(p);
  if (!m) throw new DocumentError(`mount destination ${JSON.stringify(dest)} must be an absolute Windows path`);
  const rest = m[2]!;
  if (rest === '') throw new DocumentError(`mount destination ${JSON.stringify(dest)} names a drive, not a directory`);
  if (!rest.startsWith('\\')) throw new DocumentError(`mount destination ${JSON.stringify(dest)} is drive-relative; use ${m[1]}:\\${rest}`);
  const parts = rest.split('\\').filter((s) => s.length > 0);
  if (parts.length === 0) throw new DocumentError(`mount destination ${JSON.stringify(dest)} is the root of the drive`);
  if (parts.some((s) => s === '.' || s === '..')) throw new DocumentError(`mount destination ${JSON.stringify(dest)} contains . or .. segments`);
  return `${m[1]!.toUpperCase()}:\\${parts.join('\\')}`;
}
