/**
 * The content of an isolated system's private /dev, prepared once per service in its state directory and copied
 * onto the system's /dev tmpfs by one `cp -a` (instead of a `touch`, `mkdir` or `ln` process per entry): empty
 * files the host's devices are bound onto, pts/ and shm/ mount points, the ptmx/fd/stdio links, and
 * `wincri-holder`, the link to the host's `sleep` that PID 1 waits on (so `pgrep sleep` in a container finds
 * only the container's own sleeps).
 */
import { accessSync, chmodSync, constants, mkdirSync, rmSync, symlinkSync, writeFileSync, renameSync } from 'node:fs';
import { join, isAbsolute } from 'node:path';
import { PlatformError, HRESULT } from '../../hresult.js';

/** Host devices bound into every container's /dev. */
export const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];

const made = new Set<string>();

function findProgram(name: string, path = process.env.PATH ?? '/usr/bin:/bin'): string | undefined {
  for (const d of path.split(':')) {
    if (!isAbsolute(d)) continue;
    try { accessSync(join(d, name), constants.X_OK); return join(d, name); } catch { /* next */ }
  }
  return undefined;
}

/** The skeleton directory under `stateDir`, made (afresh) the first time this process asks. */
export function devSkeleton(stateDir: string): string {
  const dir = join(stateDir, 'dev-skeleton');
  if (made.has(dir)) return dir;
  const sleep = findProgram('sleep');
  if (!sleep) throw new PlatformError(HRESULT.E_FAIL, 'HcsStartComputeSystem', 'cannot isolate the compute system: no `sleep` on the PATH');
  // Built beside and renamed into place: a service killed meanwhile never leaves a half-made skeleton in use.
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'pts'), { recursive: true });
  mkdirSync(join(tmp, 'shm'));
  for (const d of DEVICES) writeFileSync(join(tmp, d), '');
  symlinkSync('pts/ptmx', join(tmp, 'ptmx'));
  symlinkSync('/proc/self/fd', join(tmp, 'fd'));
  for (const [i, n] of ['stdin', 'stdout', 'stderr'].entries()) symlinkSync(`/proc/self/fd/${i}`, join(tmp, n));
  symlinkSync(sleep, join(tmp, 'wincri-holder'));
  rmSync(dir, { recursive: true, force: true });
  chmodSync(tmp, 0o755); // `cp -a skeleton/. dev/` gives /dev the skeleton's own mode
  renameSync(tmp, dir);
  made.add(dir);
  return dir;
}
