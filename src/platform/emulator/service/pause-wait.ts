/**
 * Waiting for a pause to take effect. HcsPauseComputeSystem completes once the system is paused; SIGSTOP to a
 * process group only queues the stop: each thread of each member stops when it next runs in the kernel's signal
 * path, which on a busy host (or for a thread in uninterruptible sleep, state D) is later than kill() returns.
 * So the pause polls the members' threads until each is stopped (T, or t when traced) or gone, within a bound.
 *
 * Resume needs no such wait: SIGCONT wakes every stopped thread of its target inside kill() itself (the kernel
 * clears the stop and wakes the threads before the call returns), so the processes run again when it returns.
 */
import { readFileSync, readdirSync } from 'node:fs';

/** A member of a paused process group, as scanned after the SIGSTOP (the start time tells a reused pid). */
export interface Member { pid: number; starttime: number; comm: string }

/** The states of a member's threads; undefined once it is gone (or its pid belongs to another process now). */
export type TaskStates = (m: Member) => string[] | undefined;

/** A member still not stopped when the bound passed. */
export interface Unstopped { member: Member; states: string[] }

function statFields(path: string): string[] | undefined {
  let s: string;
  try { s = readFileSync(path, 'utf8'); } catch { return undefined; }
  const close = s.lastIndexOf(')');
  return close < 0 ? undefined : s.slice(close + 2).split(' ');
}

/** Reads /proc/<pid>/task/<tid>/stat for each thread (field 3: state; field 22: the process's start time). */
export const readTaskStates: TaskStates = (m) => {
  const own = statFields(`/proc/${m.pid}/stat`);
  if (!own || +own[19]! !== m.starttime) return undefined;
  let tids: string[];
  try { tids = readdirSync(`/proc/${m.pid}/task`); } catch { return undefined; }
  const states: string[] = [];
  for (const tid of tids) {
    const f = statFields(`/proc/${m.pid}/task/${tid}/stat`);
    if (f) states.push(f[0]!);
  }
  return states;
};

const settled = (state: string): boolean => state === 'T' || state === 't' || state === 'Z' || state === 'X';

/**
 * Polls until every member is stopped or gone (resolves to []), `abandon()` turns true (resolves to the members
 * still running then), or `timeoutMs` passed (resolves to those not stopped). Looks again after 1, 2, 4 … up to
 * 50 ms: a stop normally lands within a scheduler tick.
 */
export async function waitStopped(members: Member[], states: TaskStates, timeoutMs: number, abandon: () => boolean): Promise<Unstopped[]> {
  const until = Date.now() + timeoutMs;
  let left = members;
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    const pending: Unstopped[] = [];
    for (const member of left) {
      const st = states(member);
      if (st && !st.every(settled)) pending.push({ member, states: st });
    }
    if (pending.length === 0 || abandon() || Date.now() >= until) return pending;
    left = pending.map((u) => u.member);
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(delay, until - Date.now()))));
  }
}

/** What an operator reads when a pause could not complete: which process, in which state, and what to do. */
export function unstoppedDetail(systemId: string, left: Unstopped[], timeoutMs: number): string {
  const first = left[0]!;
  // A thread in uninterruptible sleep is the likely reason: named first.
  const stuck = first.states.includes('D') ? 'D' : first.states.find((s) => !settled(s)) ?? '?';
  const why = stuck === 'D'
    ? 'state D: uninterruptible sleep, waiting in the kernel, usually on I/O such as a hung network file system or disk'
    : `state ${stuck}: it did not stop`;
  const more = left.length > 1 ? ` (and ${left.length - 1} other process(es))` : '';
  return `compute system ${systemId} could not be paused: process ${first.member.pid} (${first.member.comm})${more} was not stopped `
    + `within ${timeoutMs / 1000} s (${why}); the system was resumed and is still Running. Retry the pause once that process is `
    + 'out of that state (`cat /proc/<pid>/wchan` shows where it waits), or terminate the system';
}
