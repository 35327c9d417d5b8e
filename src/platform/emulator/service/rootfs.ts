/**
 * The file system a process of an isolated compute system sees, built in the system's own mount namespace by
 * the namespace holder (isolation.ts) from one mount table (mount-table.ts): C:\ (the writable-layer directory)
 * is `/`; the host's system directories are bind-mounted read-only into it the way a Windows base layer provides
 * the system files (an image's own directory of the same name wins); /proc is the system's PID namespace; /dev
 * is the system's own directory (dev-skeleton.ts) with the host's devices bound in; mapped directories and files
 * appear at their container paths with ReadOnly enforced by a read-only remount.
 *
 * Mount points are created before the holder starts: in the writable layer (recorded, removed when it stops),
 * or for a mapping under /dev in the system's /dev directory.
 */
import { lstat, rmdir, unlink } from 'node:fs/promises';
import { realpathSync, existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PlatformError, HRESULT } from '../../hresult.js';
import type { MappedDirectoryDoc } from '../../hcs/schema/index.js';
import { mapPath } from './paths.js';
import { bindEntry, type MountEntry } from './mount-table.js';
import { DEVICES } from './dev-skeleton.js';
import { devTmpfsEntries, devMountPoint } from './dev-tmpfs.js';

/** Host directories every container sees read-only (the "base layer"). */
export const SYSTEM_DIRS = ['usr', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32', 'etc', 'opt'];

export function shQuote(s: string): string { return `'${s.replace(/'/g, `'\\''`)}'`; }

export interface RootfsPlan {
  /** The holder's mounts, in order: system directories, /proc, /sys, /dev and its devices, DNS files, mappings. */
  mounts: MountEntry[];
  /** Paths created in the writable layer as mount points or links (removed at stop when still empty). */
  created: string[];
}

function isEmptyDir(p: string): boolean {
  try { return statSync(p).isDirectory() && readdirSync(p).length === 0; } catch { return false; }
}

function kindOf(p: string): 'dir' | 'file' | 'none' {
  try { return statSync(p).isDirectory() ? 'dir' : 'file'; } catch { return 'none'; }
}

/** The mount target (host path under root) of a mapping's container path. */
export function mappingTarget(op: string, root: string, md: MappedDirectoryDoc): string {
  const target = mapPath(root, (md.ContainerPath ?? '').replace(/\//g, '\\'), root);
  if (!target || target === root || !target.startsWith(root + '/')) {
    throw new PlatformError(HRESULT.E_INVALIDARG, op, `ContainerPath ${md.ContainerPath ?? ''} cannot be mapped inside the container`);
  }
  return target;
}

/** Makes an empty directory or file at `target` to mount `source` on; records what it created. */
export function ensureMountPoint(target: string, source: string, created: string[]): void {
  const want = kindOf(source) === 'dir' ? 'dir' : 'file';
  const have = kindOf(target);
  let link = false;
  try { link = lstatSync(target).isSymbolicLink(); } catch { /* absent */ }
  if (have === want && !link) return;
  if (have !== 'none' || link) {
    throw new PlatformError(HRESULT.E_INVALIDARG, 'HcsStartComputeSystem',
      `cannot map ${source} at ${target}: the container has a ${link ? 'link' : have === 'dir' ? 'directory' : 'file'} there`);
  }
  mkdirSync(dirname(target), { recursive: true });
  if (want === 'dir') mkdirSync(target); else writeFileSync(target, '');
  created.push(target);
}

/** Bind mount commands (read-only by remount) for one mapping. */
export function bindCommands(source: string, target: string, readOnly: boolean): string[] {
  const out = [`mount --bind ${shQuote(source)} ${shQuote(target)}`];
  if (readOnly) out.push(`mount -o remount,bind,ro ${shQuote(target)}`);
  return out;
}

/**
 * `devDir`: the system's /dev directory (dev-skeleton.ts); undefined: a tmpfs the namespace helper fills
 * (dev-tmpfs.ts).
 */
export function planRootfs(op: string, root: string, devDir: string | undefined, mappings: readonly MappedDirectoryDoc[], resolvDir?: string): RootfsPlan {
  const mounts: MountEntry[] = [];
  const created: string[] = [];
  const at = (rel: string) => join(root, rel);
  for (const d of SYSTEM_DIRS) {
    const host = `/${d}`;
    let st;
    try { st = lstatSync(host); } catch { continue; }
    const inRoot = join(root, d);
    if (existsSync(inRoot) && !isEmptyDir(inRoot)) {
      // The image's own files win, the host's stay visible beneath them (a read-only union, as a base layer
      // would provide the system files): an image shipping C:\bin\tool still finds /bin/sh.
      if (lstatSync(inRoot).isDirectory()) {
        mounts.push({ source: 'overlay', target: inRoot, type: 'overlay', options: ['ro', `lowerdir=${inRoot}:${realpathSync(host)}`], optional: true });
      }
      continue;
    }
    if (st.isSymbolicLink()) {
      // Merged /usr: /bin → usr/bin is a link in the base layer too.
      if (!existsSync(inRoot) && !lstatExists(inRoot)) { symlinkSync(readlinkSync(host), inRoot); created.push(inRoot); }
      continue;
    }
    if (!st.isDirectory()) continue;
    if (!existsSync(inRoot)) { mkdirSync(inRoot); created.push(inRoot); }
    mounts.push(bindEntry(host, inRoot, true));
  }
  for (const d of ['proc', 'dev', 'sys', 'tmp']) {
    const p = join(root, d);
    if (!existsSync(p)) { mkdirSync(p); created.push(p); }
  }
  mounts.push({ source: 'proc', target: at('proc'), type: 'proc', options: ['nosuid', 'nodev', 'noexec'] });
  mounts.push({ source: 'sysfs', target: at('sys'), type: 'sysfs', options: ['ro', 'nosuid', 'nodev', 'noexec'], optional: true });
  if (devDir) mounts.push({ source: devDir, target: at('dev'), type: 'none', options: ['bind', 'nosuid'] });
  else mounts.push(...devTmpfsEntries(at('dev')));
  for (const d of DEVICES) mounts.push(bindEntry(`/dev/${d}`, at(`dev/${d}`), false));
  mounts.push({ source: 'tmpfs', target: at('dev/shm'), type: 'tmpfs', options: ['nosuid', 'nodev'] });
  mounts.push({ ...bindEntry('/dev/pts', at('dev/pts'), false), optional: true });
  // The pod's DNS settings (what `ip netns exec` shows as /etc/resolv.conf and /etc/hosts).
  if (resolvDir) {
    for (const f of ['resolv.conf', 'hosts']) {
      const src = join(resolvDir, f);
      // The target exists once the image's /etc or the host's (bound above) is in place.
      if (existsSync(src) && (existsSync(join(root, 'etc', f)) || existsSync(join('/etc', f)))) mounts.push(bindEntry(src, join(root, 'etc', f), true));
    }
  }
  for (const md of mappings) {
    if (!md.HostPath || !md.ContainerPath) continue;
    const target = mappingTarget(op, root, md);
    // A target under /dev (a termination log) is in the system's /dev directory, which goes as a whole.
    const underDev = target.startsWith(at('dev') + '/');
    if (underDev && !devDir) mounts.push(...devMountPoint(at('dev'), target, kindOf(md.HostPath) === 'dir'));
    else ensureMountPoint(underDev ? join(devDir!, target.slice(at('dev').length + 1)) : target, md.HostPath, underDev ? [] : created);
    mounts.push(bindEntry(md.HostPath, target, !!md.ReadOnly));
  }
  return { mounts, created };
}

function lstatExists(p: string): boolean {
  try { lstatSync(p); return true; } catch { return false; }
}

/**
 * Removes the mount points and links the plan created, deepest first, when they are still empty; off the service's
 * thread (the rmdirs of a just-stopped system's mount points took milliseconds each).
 */
export async function cleanupRootfs(created: readonly string[]): Promise<void> {
  // Deepest first, and the paths of one depth (none inside another) at once: each step is a thread-pool request,
  // and one after the other they made a stop wait for some thirty of them.
  const byDepth = new Map<number, string[]>();
  for (const p of created) {
    const depth = p.split('/').length;
    byDepth.set(depth, [...(byDepth.get(depth) ?? []), p]);
  }
  for (const depth of [...byDepth.keys()].sort((a, b) => b - a)) await Promise.all(byDepth.get(depth)!.map(removeIfEmpty));
}

async function removeIfEmpty(p: string): Promise<void> {
  try {
    const st = await lstat(p);
    if (st.isSymbolicLink()) await unlink(p);
    else if (st.isDirectory()) await rmdir(p);
    else if (st.size === 0) await unlink(p);
  } catch { /* in use, not empty or gone: left in place */ }
}

