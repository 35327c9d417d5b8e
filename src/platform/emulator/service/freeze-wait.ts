/**
 * Waiting for a freezer pause to take effect (cgroup-freeze.ts). Writing FROZEN / 1 only starts the freeze: each
 * task freezes when it next passes the kernel's signal path, so the cgroup reads FREEZING (v1) / not `frozen 1`
 * (v2) until the last one did, which a task in uninterruptible sleep (state D: hung I/O, a stuck network file
 * system) may never do. The pause polls the state until frozen, within a bound.
 */
import { readFileSync } from 'node:fs';
import { freezerPids, type Freezer, type FreezeReader, type FreezeState } from './cgroup-freeze.js';
import { readStat } from './procfs.js';

/**
 * Polls until the freezer reports `frozen`, `abandon()` turns true, or `timeoutMs` passed; resolves to the last
 * state read (undefined: the cgroup could not be read). Looks again after 1, 2, 4 … up to 50 ms.
 */
export async function waitFrozen(f: Freezer, read: FreezeReader, timeoutMs: number, abandon: () => boolean): Promise<FreezeState | undefined> {
  const until = Date.now() + timeoutMs;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    const st = read(f);
    if (st === 'frozen' || abandon() || Date.now() >= until) return st;
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(delay, until - Date.now()))));
  }
}

/** Where a task waits (`/proc/<pid>/wchan`); empty when unknown. */
function wchan(pid: number): string {
  try { return readFileSync(`/proc/${pid}/wchan`, 'utf8').trim(); } catch { return ''; }
}

/**
 * Where frozen tasks surely wait: v1 in the refrigerator, v2 in the signal path's freezer trap. A v1 task frozen
 * while asleep stays where it slept (and reads state D, as a task stuck in uninterruptible sleep does), so the
 * others are not known to be unfrozen: they are only named first.
 */
const FROZEN_WAITS = { 1: new Set(['__refrigerator']), 2: new Set(['do_freezer_trap', 'get_signal']) };

/** What an operator reads when a freeze did not complete: the cgroup, its processes (where each waits), what to do. */
export function unfrozenDetail(systemId: string, f: Freezer, state: FreezeState | undefined, timeoutMs: number): string {
  const members = freezerPids(f).map((pid) => ({ pid, st: readStat(pid), wchan: wchan(pid) })).filter((m) => m.st)
    .sort((a, b) => Number(FROZEN_WAITS[f.version].has(a.wchan)) - Number(FROZEN_WAITS[f.version].has(b.wchan)));
  const named = members.slice(0, 3).map((m) => `${m.pid} (${m.st!.comm}, state ${m.st!.state}${m.wchan ? `, in ${m.wchan}` : ''})`);
  const file = f.version === 1 ? 'freezer.state' : 'cgroup.events';
  const said = state === undefined ? `${file} could not be read` : `it stayed ${state}`;
  const who = named.length ? `; its processes: ${named.join(', ')}${members.length > named.length ? ` and ${members.length - named.length} more` : ''}` : '';
  return `compute system ${systemId} could not be paused: its cgroup ${f.dir} did not freeze within ${timeoutMs / 1000} s (${said}${who}). `
    + 'A process in an uninterruptible sleep that cannot be frozen (waiting on I/O such as a hung network file system or disk: '
    + '`cat /proc/<pid>/wchan` shows where) keeps a freeze from completing. The system was thawed and is still Running; retry the '
    + 'pause once its processes are out of that state, or terminate the system';
}
