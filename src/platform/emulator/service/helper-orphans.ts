/**
 * Namespace helpers no record owns: processes started from this service's own helper binary
 * (`<stateDir>/bin/wincri-ns-*`, ns-helper.ts) that belong to no live system. A holder is left so when the service
 * dies between spawning it and saving the system's record, or when a system was stopped while it started; an
 * `enter` helper when its launch was neither recorded nor intended (launch-intents.ts covers the intended ones).
 *
 * Owned: a running or paused system's holder (its recorded pid) and that holder's parent (the helper's waiting
 * half), and `enter` helpers whose exit-status file (`-s`) is a live process record's. Everything else of the
 * binary is ended with its children, as launch-orphans.ts ends unrecorded launches (killHelpers). Swept when the
 * service loads its records and when it is asked to stop (then nothing is owned: every system was terminated).
 * A sweep resolves once every process it killed has exited (exit-wait.ts), within a bound: what the service answers
 * next (its first call after the load, stopService) finds none of them running.
 */
import { join } from 'node:path';
import { killHelperTree, type HelperMatch } from './helper-kill.js';
import { awaitExit } from './exit-wait.js';
import { readStat, sameProcess } from './procfs.js';
import type { SystemRecord } from './records.js';

/** What the service's helpers look like: argv[0] is `<stateDir>/bin/wincri-ns-<hash>`. */
export function helperPrefix(stateDir: string): string {
  return join(stateDir, 'bin', 'wincri-ns-');
}

/** Names (by pid) every helper process of `stateDir` that none of `systems` owns. */
export function strayHelpers(stateDir: string, systems: Iterable<SystemRecord>): HelperMatch {
  const pids = new Set<number>();
  const statusFiles = new Set<string>();
  for (const s of systems) {
    if ((s.state === 'Running' || s.state === 'Paused') && s.holder && sameProcess(s.holder)) {
      pids.add(s.holder.pid);
      const parent = readStat(s.holder.pid)?.ppid;
      if (parent && parent > 1) pids.add(parent);
    }
    for (const p of s.processes) if (!p.exited && p.statusFile) statusFiles.add(p.statusFile);
  }
  const prefix = helperPrefix(stateDir);
  return (pid, argv) => {
    if (!argv[0]?.startsWith(prefix) || pids.has(pid)) return undefined;
    const at = argv[1] === 'enter' ? argv.indexOf('-s') : -1;
    if (at > 0 && statusFiles.has(argv[at + 1] ?? '')) return undefined;
    return String(pid);
  };
}

/** How long a sweep waits for what it killed to exit. */
export const SWEEP_EXIT_BOUND_MS = 10_000;

/**
 * Ends the helpers of `stateDir` that none of `systems` owns (and what they started); resolves, once they have
 * exited (or past the bound, logged), with how many helpers there were.
 */
export async function sweepStrayHelpers(stateDir: string, systems: Iterable<SystemRecord>, log: (m: string) => void): Promise<number> {
  const { helpers, procs } = killHelperTree(strayHelpers(stateDir, systems));
  if (!helpers) return 0;
  const left = await awaitExit(procs, SWEEP_EXIT_BOUND_MS, (l) => log(`waiting for ${l.length} killed namespace helper process(es) to exit`));
  log(`killed ${helpers} namespace helper process(es) no compute system owns`);
  if (left.length) log(`still running ${SWEEP_EXIT_BOUND_MS} ms after their SIGKILL: ${left.map((p) => p.pid).join(', ')}`);
  return helpers;
}
