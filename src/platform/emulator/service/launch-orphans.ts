/**
 * Processes of launches a killed service never recorded (launch-intents.ts), found by their token: the exit-status
 * path in the namespace helper's argv (`wincri-ns enter … -s STATUS …`). Both the helper (the program's waiter)
 * and its spool copy carry it; the program is the helper's child (its own session and process group once it
 * runs, the helper's group before its setsid).
 *
 * Killing: every such helper is stopped first (a stopped helper cannot fork any more), then each child's process
 * group and the child itself are killed, then the helpers' groups (a helper is spawned detached: its group is
 * its own) and the helpers. The helpers are SIGKILLed, so none writes a status or rings a doorbell afterwards.
 */
import { allPids, processTable, readArgv } from './procfs.js';

/** Host pids of helpers whose argv holds `-s <token>` for one of `tokens`, with the token found. */
export function helpersOf(tokens: ReadonlySet<string>): { pid: number; token: string }[] {
  if (tokens.size === 0) return [];
  const found: { pid: number; token: string }[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    const argv = readArgv(pid);
    if (argv?.[1] !== 'enter') continue;
    const at = argv.indexOf('-s');
    const token = at > 0 ? argv[at + 1] : undefined;
    if (token && tokens.has(token)) found.push({ pid, token });
  }
  return found;
}

const kill = (pid: number, sig: NodeJS.Signals) => { try { process.kill(pid, sig); } catch { /* gone */ } };

/** Kills the helpers and every process they started (see above); returns how many helpers there were. */
export function killLaunches(tokens: ReadonlySet<string>): number {
  const found = helpersOf(tokens);
  if (found.length === 0) return 0;
  for (const h of found) kill(h.pid, 'SIGSTOP');
  // A pid may have been reused between the scan and the stop: keep only those that still carry their token (a
  // stopped process cannot exec any more), and let any other go on.
  const still = new Set(helpersOf(new Set(found.map((h) => h.token))).map((h) => h.pid));
  for (const h of found) if (!still.has(h.pid)) kill(h.pid, 'SIGCONT');
  const helpers = found.map((h) => h.pid).filter((p) => still.has(p));
  const set = new Set(helpers);
  for (const c of processTable(0).filter((p) => set.has(p.ppid) && !set.has(p.pid))) {
    kill(-c.pid, 'SIGKILL');
    kill(c.pid, 'SIGKILL');
  }
  for (const h of helpers) { kill(-h, 'SIGKILL'); kill(h, 'SIGKILL'); }
  return helpers.length;
}
