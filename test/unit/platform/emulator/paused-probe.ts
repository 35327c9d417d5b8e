/**
 * How a test sees that a process of a paused system is paused, whichever way its system was paused
 * (system-pause.ts): stopped by a signal (state T), or in a cgroup whose freezer reports it frozen.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mounts } from '../../../../src/platform/emulator/service/cgroup-support.js';
import { readFreezeState } from '../../../../src/platform/emulator/service/cgroup-freeze.js';
import { readStat } from '../../../../src/platform/emulator/service/procfs.js';

/** The freezer state of the cgroup `pid` is in (v1 freezer hierarchy, else v2); undefined when it has none. */
export function freezeStateOf(pid: number): string | undefined {
  let lines: string[];
  try { lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n'); } catch { return undefined; }
  const ms = mounts();
  const v1 = lines.find((l) => l.split(':')[1]?.split(',').includes('freezer'));
  const mount = v1 ? ms.find((m) => m.type === 'cgroup' && m.opts.includes('freezer')) : undefined;
  if (v1 && mount) return readFreezeState({ version: 1, dir: join(mount.dir, v1.split(':')[2]!) });
  const v2 = lines.find((l) => l.startsWith('0::'));
  const mount2 = ms.find((m) => m.type === 'cgroup2');
  return v2 && mount2 ? readFreezeState({ version: 2, dir: join(mount2.dir, v2.slice(3)) }) : undefined;
}

/** Whether `pid` is paused: stopped (T) or frozen. */
export function isPaused(pid: number): boolean {
  return readStat(pid)?.state === 'T' || freezeStateOf(pid) === 'frozen';
}
