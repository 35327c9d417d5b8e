/**
 * A system's cgroup freezer (cgroups.ts), which pauses the whole system as HCS pauses a silo: every member of the
 * cgroup, a process that left the system's process groups (setsid, a double-forked daemon) too, and one forked
 * meanwhile (it is born frozen). v2: `cgroup.freeze` (1/0), frozen once `cgroup.events` says `frozen 1`. v1: the
 * `freezer` hierarchy's directory among the system's (`freezer.state` FROZEN/THAWED; it reads FREEZING until every
 * task is frozen, FROZEN also when a parent cgroup is frozen). A system whose cgroup has none (no freezer
 * hierarchy, or a record of an older service made without one) has no freezer: its pause signals (pause-wait.ts).
 *
 * A frozen v1 task does not die from SIGKILL until it is thawed (the signal stays pending); a frozen v2 task does.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SystemCgroup } from './cgroups.js';

export interface Freezer { version: 1 | 2; dir: string }

export type FreezeState = 'frozen' | 'freezing' | 'thawed';

/** Reads a freezer's state; undefined when it cannot be read (its cgroup is gone). */
export type FreezeReader = (f: Freezer) => FreezeState | undefined;

/** The freezer of a system's cgroup, or undefined when it has none. */
export function freezerOf(cg: SystemCgroup | undefined): Freezer | undefined {
  if (!cg) return undefined;
  if (cg.version === 2) return existsSync(join(cg.dirs[0]!, 'cgroup.freeze')) ? { version: 2, dir: cg.dirs[0]! } : undefined;
  const dir = cg.dirs.find((d) => existsSync(join(d, 'freezer.state')));
  return dir ? { version: 1, dir } : undefined;
}

function read(file: string): string | undefined {
  try { return readFileSync(file, 'utf8'); } catch { return undefined; }
}

export const readFreezeState: FreezeReader = (f) => {
  if (f.version === 1) {
    const s = read(join(f.dir, 'freezer.state'))?.trim();
    return s === 'FROZEN' ? 'frozen' : s === 'FREEZING' ? 'freezing' : s === 'THAWED' ? 'thawed' : undefined;
  }
  const want = read(join(f.dir, 'cgroup.freeze'))?.trim();
  if (want === undefined) return undefined;
  const frozen = /^frozen 1$/m.test(read(join(f.dir, 'cgroup.events')) ?? '');
  return frozen ? 'frozen' : want === '1' ? 'freezing' : 'thawed';
}

/** Freezes (true) or thaws (false) the cgroup; throws when the file cannot be written. */
export function setFrozen(f: Freezer, on: boolean): void {
  if (f.version === 1) writeFileSync(join(f.dir, 'freezer.state'), on ? 'FROZEN' : 'THAWED');
  else writeFileSync(join(f.dir, 'cgroup.freeze'), on ? '1' : '0');
}

/** The pids in the freezer's cgroup (not those of cgroups below it); empty when unreadable. */
export function freezerPids(f: Freezer): number[] {
  return (read(join(f.dir, 'cgroup.procs')) ?? '').split('\n').filter(Boolean).map(Number);
}
