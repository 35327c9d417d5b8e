/**
 * An isolated system's private /dev: a directory of its own under <stateDir>/devs/, made by the service with
 * file system calls (no process) and bind-mounted (nosuid) as the system's /dev by the holder's one mount table:
 * empty files the host's devices are bound onto, pts/ and shm/ mount points, the ptmx/fd/stdio links, and
 * `wincri-holder`, the link to the host's `sleep` that PID 1 waits on (so `pgrep sleep` in a container finds
 * only the container's own sleeps). Removed when the system's isolation ends; a killed service's leftovers of
 * systems it no longer knows go at its next start (sweepDevDirs).
 */
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProgram } from './program-path.js';
import { PlatformError, HRESULT } from '../../hresult.js';

/** Host devices bound into every container's /dev. */
export const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];

let sleepPath: string | undefined;

const devsDir = (stateDir: string) => join(stateDir, 'devs');
const dirName = (systemId: string) => encodeURIComponent(systemId);

/** Makes (afresh) the /dev directory of system `systemId`; returns its path. */
export function makeDevDir(stateDir: string, systemId: string): string {
  sleepPath ??= findProgram('sleep');
  if (!sleepPath) throw new PlatformError(HRESULT.E_FAIL, 'HcsStartComputeSystem', 'cannot isolate the compute system: no `sleep` on the PATH');
  const dir = join(devsDir(stateDir), dirName(systemId));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(devsDir(stateDir), { recursive: true, mode: 0o700 });
  mkdirSync(dir, { mode: 0o755 });
  mkdirSync(join(dir, 'pts'));
  mkdirSync(join(dir, 'shm'));
  for (const d of DEVICES) writeFileSync(join(dir, d), '');
  symlinkSync('pts/ptmx', join(dir, 'ptmx'));
  symlinkSync('/proc/self/fd', join(dir, 'fd'));
  for (const [i, n] of ['stdin', 'stdout', 'stderr'].entries()) symlinkSync(`/proc/self/fd/${i}`, join(dir, n));
  symlinkSync(sleepPath, join(dir, 'wincri-holder'));
  return dir;
}

/** Removes a system's /dev directory (mounts on it in the system's ended namespace do not keep it). */
export function removeDevDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** Removes the /dev directories of systems not in `keep` (ids of systems the service knows). */
export function sweepDevDirs(stateDir: string, keep: Iterable<string>): void {
  const known = new Set([...keep].map(dirName));
  let names: string[] = [];
  try { names = readdirSync(devsDir(stateDir)); } catch { return; }
  for (const n of names) if (!known.has(n)) rmSync(join(devsDir(stateDir), n), { recursive: true, force: true });
}
