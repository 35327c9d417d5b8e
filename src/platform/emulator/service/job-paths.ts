/**
 * Windows paths as a job container's processes see them. A HostProcess container sees the host's file system:
 * its mount point (`C:\hpc\`) is the container's volume (a host directory, silo-private as with the bind filter),
 * every other drive path is the emulated host drive `<state>/host/<letter>/`, and absolute POSIX paths are the
 * Linux host's own (the emulator runs Linux programs).
 */
import { join } from 'node:path';
import { isExecutableFile } from './paths.js';

const DRIVE_RE = /^([A-Za-z]):(?=[\\/]|$)/;

function segments(p: string): string[] {
  const out: string[] = [];
  for (const s of p.split(/[\\/]+/)) {
    if (!s || s === '.') continue;
    if (s === '..') { out.pop(); continue; }
    out.push(s);
  }
  return out;
}

export interface JobView {
  /** Host directory presented at the mount point. */
  root: string;
  /** The mount point as a Windows path with a trailing backslash (`C:\hpc\`). */
  mountPoint: string;
  /** Directory holding the emulated host drives (`<hostDrives>/c/...`). */
  hostDrives: string;
}

/** Maps a Windows or POSIX path to a host path; relative paths resolve against `cwd` (already mapped). */
export function mapJobPath(v: JobView, p: string, cwd: string): string | undefined {
  if (p.startsWith('\\\\')) return undefined;
  const win = p.replace(/\//g, '\\');
  const mp = v.mountPoint.replace(/\\+$/, '');
  if (DRIVE_RE.test(win)) {
    const lower = win.toLowerCase();
    if (lower === mp.toLowerCase() || lower.startsWith(mp.toLowerCase() + '\\')) return join(v.root, ...segments(win.slice(mp.length)));
    return join(v.hostDrives, win[0]!.toLowerCase(), ...segments(win.slice(2)));
  }
  if (p.startsWith('\\')) return mapJobPath(v, `C:${win}`, cwd);
  if (p.startsWith('/')) return p;
  return join(cwd, ...segments(p));
}

const SUFFIXES = ['', '.exe', '.cmd', '.bat'];

function tryBase(base: string | undefined): string | undefined {
  if (!base) return undefined;
  for (const s of SUFFIXES) if (isExecutableFile(base + s)) return base + s;
  return undefined;
}

/**
 * The program of a command line: a path is mapped; a bare name is searched in the working directory, the
 * Windows PATH entries, the mount point (hcsshim appends it to PATH) and the host PATH.
 */
export function resolveJobProgram(v: JobView, cwd: string, name: string, windowsPath: string[], hostPath: string): string | undefined {
  if (/[\\/]/.test(name) || DRIVE_RE.test(name)) return tryBase(mapJobPath(v, name, cwd));
  const dirs = [cwd, ...windowsPath.map((d) => mapJobPath(v, d, cwd)), v.root, ...hostPath.split(':').filter(Boolean)];
  for (const d of dirs) {
    const r = d ? tryBase(join(d, name)) : undefined;
    if (r) return r;
  }
  return undefined;
}
