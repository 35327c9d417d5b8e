/**
 * Built C helpers (c-helper.ts) shared between emulator services through WINCRI_EMULATOR_HELPER_CACHE=<dir>
 * (tests: test/run.mjs points it at a directory of its own per run, so a service on a fresh state dir copies the
 * helpers instead of compiling them again). A helper keeps its path under <stateDir>/bin, since the service finds
 * its helper processes by it (helper-orphans.ts): it is copied in, and a new build is copied out. The binaries are
 * run, so only a directory of this user's that nobody else can write to is used; with $CC set (another compiler)
 * the cache is neither read nor written. Any failure just means compiling.
 */
import { chmodSync, copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

function cacheDir(): string | undefined {
  const dir = process.env.WINCRI_EMULATOR_HELPER_CACHE;
  if (!dir || process.env.CC) return undefined;
  try {
    const st = statSync(dir);
    if (!st.isDirectory() || (st.mode & 0o022) !== 0) return undefined;
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return undefined;
    return dir;
  } catch { return undefined; }
}

/** Copies `from` to `to` through a temporary file and a rename (a concurrent reader never sees half a binary). */
function copyAtomic(from: string, to: string): void {
  const tmp = `${to}.${process.pid}.tmp`;
  try {
    copyFileSync(from, tmp);
    chmodSync(tmp, statSync(from).mode & 0o777);
    renameSync(tmp, to);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Puts the cached build of `bin` (same file name: source, flags and compilers, helper-key.ts) at `bin`; false when there is none. */
export function helperFromCache(bin: string): boolean {
  const dir = cacheDir();
  const cached = dir && join(dir, basename(bin));
  if (!cached || !existsSync(cached)) return false;
  try { copyAtomic(cached, bin); return true; } catch { return false; }
}

/** Leaves a copy of the freshly built `bin` in the cache (best effort). */
export function helperToCache(bin: string): void {
  const dir = cacheDir();
  if (!dir || existsSync(join(dir, basename(bin)))) return;
  try { copyAtomic(bin, join(dir, basename(bin))); } catch { /* the next service compiles it */ }
}
