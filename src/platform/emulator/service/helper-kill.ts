/**
 * Finding and killing helper processes by what their argv says (a matcher names each one to kill): every match is
 * stopped first (a stopped process cannot fork any more), re-checked (a pid may have been reused), then each
 * child's process group and the child itself are killed, then the helpers' groups (a helper is spawned detached:
 * its group is its own) and the helpers. SIGKILL throughout, so none writes a status or rings a doorbell afterwards.
 * Used for unrecorded launches (launch-orphans.ts) and helpers no record owns (helper-orphans.ts).
 */
import { allPids, processTable, readArgv } from './procfs.js';
import type { ProcId } from './exit-wait.js';

/** Names what a process is (a launch's token, a stray helper's pid), or undefined when it is not one to kill. */
export type HelperMatch = (pid: number, argv: readonly string[]) => string | undefined;

/** Host pids (other than this process) that `match` names, with the name. */
export function findHelpers(match: HelperMatch): { pid: number; token: string }[] {
  const found: { pid: number; token: string }[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    const argv = readArgv(pid);
    const token = argv ? match(pid, argv) : undefined;
    if (token !== undefined) found.push({ pid, token });
  }
  return found;
}

const kill = (pid: number, sig: NodeJS.Signals) => { try { process.kill(pid, sig); } catch { /* gone */ } };

/** What killHelperTree ended: how many helpers, and every process it signalled (to await their exit, exit-wait.ts). */
export interface KilledHelpers { helpers: number; procs: ProcId[] }

/**
 * Kills every process `match` names and the processes they started, as above (stop, re-check, children's groups
 * and children, then the helpers' groups and the helpers); returns how many helpers there were.
 */
export function killHelpers(match: HelperMatch): number {
  return killHelperTree(match).helpers;
}

/** killHelpers, also naming each process signalled (helpers, their children, members of their groups). */
export function killHelperTree(match: HelperMatch): KilledHelpers {
  const found = findHelpers(match);
  if (found.length === 0) return { helpers: 0, procs: [] };
  for (const h of found) kill(h.pid, 'SIGSTOP');
  // A pid may have been reused between the scan and the stop: keep only those that still match with the same name
  // (a stopped process cannot exec any more), and let any other go on.
  const names = new Map(found.map((h) => [h.pid, h.token]));
  const still = new Set(findHelpers((pid, argv) => (names.has(pid) ? match(pid, argv) : undefined))
    .filter((h) => names.get(h.pid) === h.token).map((h) => h.pid));
  for (const h of found) if (!still.has(h.pid)) kill(h.pid, 'SIGCONT');
  const helpers = found.map((h) => h.pid).filter((p) => still.has(p));
  const set = new Set(helpers);
  const table = processTable(0);
  const children = table.filter((p) => set.has(p.ppid) && !set.has(p.pid));
  // Everything the kills below reach, as it is now (all stopped but the children, which may still fork).
  const groups = new Set([...helpers, ...children.map((c) => c.pid)]);
  const reached = table.filter((p) => groups.has(p.pid) || groups.has(p.pgrp));
  for (const c of children) {
    kill(-c.pid, 'SIGKILL');
    kill(c.pid, 'SIGKILL');
  }
  for (const h of helpers) { kill(-h, 'SIGKILL'); kill(h, 'SIGKILL'); }
  return { helpers: helpers.length, procs: reached.map(({ pid, starttime }) => ({ pid, startTicks: starttime })) };
}
