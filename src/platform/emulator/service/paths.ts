/**
 * Windows path → Linux path mapping for a compute system whose C:\ is a host directory (`root`).
 * The emulator is not a security boundary: a bare program name that is not found inside the container falls
 * back to the service's host PATH, and absolute POSIX paths that do not exist under the root are host paths.
 */
import { accessSync, statSync, constants } from 'node:fs';
import { join, isAbsolute } from 'node:path';

const DRIVE_RE = /^[A-Za-z]:(?=[\\/]|$)/;

function segments(p: string): string[] {
  const out: string[] = [];
  for (const s of p.split(/[\\/]+/)) {
    if (!s || s === '.') continue;
    if (s === '..') { out.pop(); continue; } // cannot climb above the root, like a drive root
    out.push(s);
  }
  return out;
}

/** Maps a Windows (or POSIX) path to a host path. `cwd` is the already-mapped working directory. */
export function mapPath(root: string, p: string, cwd: string = root): string | undefined {
  if (p.startsWith('\\\\')) return undefined; // UNC / device paths are not supported
  if (DRIVE_RE.test(p)) return join(root, ...segments(p.slice(2)));
  if (p.startsWith('\\')) return join(root, ...segments(p));
  if (p.startsWith('/')) {
    const inRoot = join(root, ...segments(p));
    return exists(inRoot) ? inRoot : p;
  }
  return isAbsolute(cwd) ? join(cwd, ...segments(p)) : undefined;
}

function exists(p: string): boolean {
  try { statSync(p); return true; } catch { return false; }
}

export function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch { return false; }
}

export function isDirectory(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

const SUFFIXES = ['', '.exe', '.cmd', '.bat'];

/** The PATH-like entries of a Windows environment block (key matched case-insensitively, `;`-separated). */
export function windowsPathEntries(env: Record<string, string>): string[] {
  const key = Object.keys(env).find((k) => k.toLowerCase() === 'path');
  return key ? env[key]!.split(';').map((s) => s.trim()).filter(Boolean) : [];
}

/**
 * Resolves the program of a command line: a path (drive, `\`, `/` or relative with separators) is mapped into the
 * root; a bare name is searched in the working directory, then the Environment's PATH entries mapped into the
 * root (trying the suffixes "", .exe, .cmd, .bat), then the host PATH.
 */
export function resolveProgram(
  root: string, cwd: string, name: string, env: Record<string, string>, hostPath: string, view: (p: string) => string = (p) => p,
): string | undefined {
  const hasSep = /[\\/]/.test(name) || DRIVE_RE.test(name);
  // `view` maps a path under the root to where its content is on the host (an isolated system's mappings are
  // mounts, not links); the result stays in root space.
  const tryBase = (base: string | undefined): string | undefined => {
    if (!base) return undefined;
    for (const s of SUFFIXES) if (isExecutableFile(view(base + s))) return base + s;
    return undefined;
  };
  if (hasSep) return tryBase(mapPath(root, name, cwd));
  const dirs = [cwd, ...windowsPathEntries(env).map((d) => mapPath(root, d, cwd)).filter((d): d is string => !!d)];
  for (const d of dirs) {
    const r = tryBase(join(d, name));
    if (r) return r;
  }
  for (const d of hostPath.split(':').filter(Boolean)) {
    const r = tryBase(join(d, name));
    if (r) return r;
  }
  return undefined;
}
