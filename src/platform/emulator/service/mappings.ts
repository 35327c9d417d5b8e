import { mkdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { PlatformError, HRESULT } from '../../hresult.js';
import type { MappedDirectoryDoc } from '../../hcs/schema/index.js';
import { mapPath } from './paths.js';

export function pathExists(p: string): boolean {
  try { statSync(p); return true; } catch { return false; }
}

/**
 * Makes a mapped directory (or single file) visible at its container path: the container's C:\ is a host
 * directory, so the mapping becomes a symlink inside it that replaces whatever the image had at that path (the
 * mount hides it on Windows too). ReadOnly is recorded but not enforced: the emulator is not a security boundary.
 */
export function materializeMapping(op: string, root: string, md: MappedDirectoryDoc): void {
  if (!md.HostPath || !md.ContainerPath) return;
  const target = mapPath(root, md.ContainerPath.replace(/\//g, '\\'), root);
  if (!target || target === root || !target.startsWith(root + '/')) {
    throw new PlatformError(HRESULT.E_INVALIDARG, op, `ContainerPath ${md.ContainerPath} cannot be mapped inside the container`);
  }
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(md.HostPath, target);
}
