/**
 * Directories inside a container's writable layer, named by the path the container sees (`C:\app\data`): used to
 * create a working directory the image lacks before the container's process starts (Linux runtimes do; Windows
 * reports ERROR_DIRECTORY otherwise). Both backends create them below the layer's mount: the volume path on
 * Windows, the emulator's C:\ directory on Linux.
 */
import { lstat, mkdir } from 'node:fs/promises';
import { PlatformError, HRESULT } from './hresult.js';

export const CREATE_CONTAINER_DIRECTORY = 'CreateContainerDirectory';

/**
 * The components below C:\ of a container path (`C:\a\b`, `C:/a/b`, `\a\b`), `..` clamped at the root as Windows
 * does; undefined for a path on another drive, a UNC/device path or a relative path (nothing to create there).
 */
export function containerPathSegments(p: string): string[] | undefined {
  let rest: string;
  if (/^[Cc]:[\\/]/.test(p) || /^[Cc]:$/.test(p)) rest = p.slice(2);
  else if (/^[\\/](?![\\/])/.test(p)) rest = p;
  else return undefined;
  const out: string[] = [];
  for (const s of rest.split(/[\\/]+/)) {
    if (!s || s === '.') continue;
    if (s === '..') { out.pop(); continue; }
    out.push(s);
  }
  return out;
}

/**
 * Creates each missing component below `root` (joined with `join`), refusing a component that exists and is not a
 * plain directory (a file, or a link that could lead out of the layer) with ERROR_DIRECTORY.
 */
export async function createDirectoryChain(root: string, segments: string[], join: (...p: string[]) => string, shown: string): Promise<void> {
  let at = root;
  for (const s of segments) {
    at = join(at, s);
    try {
      await mkdir(at);
      continue;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, CREATE_CONTAINER_DIRECTORY, `${shown}: ${(e as Error).message}`);
      }
    }
    const st = await lstat(at);
    if (!st.isDirectory() || st.isSymbolicLink()) {
      throw new PlatformError(HRESULT.ERROR_DIRECTORY, CREATE_CONTAINER_DIRECTORY, `${shown}: ${s} exists in the container and is not a directory`);
    }
  }
}
