/**
 * An isolated system's private /dev when the namespace helper builds the system (ns-helper.ts): a tmpfs mounted
 * in the system's mount namespace and filled there by the helper (mount-table.ts `@dir`/`@file`/`@link` entries)
 * with what dev-skeleton.ts otherwise makes as a directory on disk — mount points for the host's devices, pts/
 * and shm/, the ptmx/fd/stdio links — so starting a system creates and removes no files on disk for its /dev,
 * and nothing is left behind when the service dies (the tmpfs ends with the namespace).
 */
import { join } from 'node:path';
import type { MountEntry } from './mount-table.js';
import { DEVICES } from './dev-skeleton.js';

const op = (type: '@dir' | '@file' | '@link', target: string, source = ''): MountEntry => ({ source, target, type, options: [] });

/** The entries that mount and fill the tmpfs at `dev` (the system's /dev as a host path, before the chroot). */
export function devTmpfsEntries(dev: string): MountEntry[] {
  return [
    { source: 'tmpfs', target: dev, type: 'tmpfs', options: ['nosuid', 'mode=755', 'size=64k'] },
    op('@dir', join(dev, 'pts')),
    op('@dir', join(dev, 'shm')),
    ...DEVICES.map((d) => op('@file', join(dev, d))),
    op('@link', join(dev, 'ptmx'), 'pts/ptmx'),
    op('@link', join(dev, 'fd'), '/proc/self/fd'),
    ...['stdin', 'stdout', 'stderr'].map((n, i) => op('@link', join(dev, n), `/proc/self/fd/${i}`)),
  ];
}

/** Mount point entries for a mapping at `target` under /dev (its parent directories, then a file or directory). */
export function devMountPoint(dev: string, target: string, directory: boolean): MountEntry[] {
  const parts = target.slice(dev.length + 1).split('/');
  const out: MountEntry[] = [];
  for (let i = 1; i < parts.length; i++) out.push(op('@dir', join(dev, ...parts.slice(0, i))));
  out.push(op(directory ? '@dir' : '@file', target));
  return out;
}
