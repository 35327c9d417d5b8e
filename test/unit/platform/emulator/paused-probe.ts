/**
 * How a test sees that a process of a paused system is paused, whichever way its system was paused
 * (system-pause.ts): stopped by a signal (state T), or in a cgroup whose freezer reports it frozen.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { readFreezeState } from '../../../../src/platform/emulator/service/cgroup-freeze.js';
import { readStat } from '../../../../src/platform/emulator/service/procfs.js';
import { cgroupSupport, mounts } from '../../../../src/platform/emulator/service/cgroup-support.js';
import { noIsolation } from './helpers.js';

/**
 * This mount namespace's cgroup mounts (/proc/self/mountinfo), in mount order: where each is, the cgroup it shows
 * there (a subtree bound over the hierarchy in the test lanes), its type and options.
 */
function cgroupMounts(): { root: string; dir: string; type: string; opts: string[] }[] {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => {
    const [pre, post] = l.split(' - ');
    const f = pre?.split(' ') ?? [];
    const g = post?.split(' ') ?? [];
    return { root: f[3] ?? '', dir: f[4] ?? '', type: g[0] ?? '', opts: (g[2] ?? '').split(',') };
  }).filter((m) => m.type === 'cgroup' || m.type === 'cgroup2');
}

/** The directory of cgroup `path` (as /proc/<pid>/cgroup names it) under `m`; undefined when outside what it shows. */
function under(m: { root: string; dir: string }, path: string): string | undefined {
  const rel = relative(m.root, path);
  return rel.startsWith('..') ? undefined : join(m.dir, rel);
}

/** The freezer state of the cgroup `pid` is in (v1 freezer hierarchy, else v2); undefined when it has none. */
export function freezeStateOf(pid: number): string | undefined {
  let lines: string[];
  try { lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n'); } catch { return undefined; }
  const ms = cgroupMounts();
  const dir1 = v1FreezerDirOf(pid);
  if (dir1) return readFreezeState({ version: 1, dir: dir1 });
  const v2 = lines.find((l) => l.startsWith('0::'));
  const mount2 = ms.findLast((m) => m.type === 'cgroup2');
  const dir2 = v2 && mount2 ? under(mount2, v2.slice(3)) : undefined;
  return dir2 ? readFreezeState({ version: 2, dir: dir2 }) : undefined;
}

/** Whether `pid` is paused: stopped (T) or frozen. */
export function isPaused(pid: number): boolean {
  return readStat(pid)?.state === 'T' || freezeStateOf(pid) === 'frozen';
}

/** The directory of the v1 freezer cgroup `pid` is in, as this mount namespace shows it; undefined without one. */
export function v1FreezerDirOf(pid: number): string | undefined {
  let lines: string[];
  try { lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n'); } catch { return undefined; }
  const v1 = lines.find((l) => l.split(':')[1]?.split(',').includes('freezer'));
  const mount = v1 ? cgroupMounts().findLast((m) => m.type === 'cgroup' && m.opts.includes('freezer')) : undefined;
  return v1 && mount ? under(mount, v1.split(':')[2]!) : undefined;
}

/** Why a test that pauses a system by its freezer cannot run here (no isolation, no freezer), or false. */
export function freezerSkip(): string | false {
  const sup = cgroupSupport();
  const v1Freezer = mounts().some((m) => m.type === 'cgroup' && m.opts.includes('freezer'));
  return noIsolation() || (!sup ? 'no writable cgroup hierarchy here' : sup.version === 1 && !v1Freezer ? 'cgroup v1 without a freezer hierarchy' : false);
}
