/**
 * Processes of launches a killed service never recorded (launch-intents.ts), found by their token: the exit-status
 * path in the namespace helper's argv (`wincri-ns enter … -s STATUS …`). Both the helper (the program's waiter)
 * and its spool copy carry it; the program is the helper's child (its own session and process group once it
 * runs, the helper's group before its setsid).
 *
 * Killing: every such helper is stopped first (a stopped helper cannot fork any more), then each child's process
 * group and the child itself are killed, then the helpers' groups (a helper is spawned detached: its group is
 * its own) and the helpers. The helpers are SIGKILLed, so none writes a status or rings a doorbell afterwards.
 * The same killing serves any other helper no record owns (killHelpers with a matcher: helper-orphans.ts).
 */
import { allPids, processTable, readArgv } from './procfs.js';

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

/** Names a launch's helper by its token: `enter … -s <token>` for one of `tokens`. */
function launchToken(tokens: ReadonlySet<string>): HelperMatch {
  return (_pid, argv) => {
    if (argv[1] !== 'enter') return undefined;
    const at = argv.indexOf('-s');
    const token = at > 0 ? argv[at + 1] : undefined;
    return token && tokens.has(token) ? token : undefined;
  };
}

/** Host pids of helpers whose argv holds `-s <token>` for one of `tokens`, with the token found. */
export function helpersOf(tokens: ReadonlySet<string>): { pid: number; token: string }[] {
  return tokens.size === 0 ? [] : findHelpers(launchToken(tokens));
}

const kill = (pid: number, sig: NodeJS.Signals) => { try { process.kill(pid, sig); } catch { /* gone */ } };

/** Kills the helpers and every process they started (see above); returns how many helpers there were. */
export function killLaunches(tokens: ReadonlySet<string>): number {
  return tokens.size === 0 ? 0 : killHelpers(launchToken(tokens));
}

/**
 * Kills every process `match` names and the processes they started, as above (stop, re-check, children's groups
 * and children, then the helpers' groups and the helpers); returns how many there were.
 */
export function killHelpers(match: HelperMatch): number {
  const found = findHelpers(match);
  if (found.length === 0) return 0;
  for (const h of found) kill(h.pid, 'SIGSTOP');
  // A pid may have been reused between the scan and the stop: keep only those that still match with the same name
  // (a stopped process cannot exec any more), and let any other go on.
  const names = new Map(found.map((h) => [h.pid, h.token]));
  const still = new Set(findHelpers((pid, argv) => (names.has(pid) ? match(pid, argv) : undefined))
    .filter((h) => names.get(h.pid) === h.token).map((h) => h.pid));
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
