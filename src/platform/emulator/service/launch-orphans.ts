/**
 * Processes of launches a killed service never recorded (launch-intents.ts), found by their token: the exit-status
 * path in the namespace helper's argv (`wincri-ns enter … -s STATUS …`). Both the helper (the program's waiter)
 * and its spool copy carry it; the program is the helper's child (its own session and process group once it
 * runs, the helper's group before its setsid).
 * They are killed with everything they started as helper-kill.ts kills.
 */
import { findHelpers, killHelpers, type HelperMatch } from './helper-kill.js';

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

/** Kills the helpers and every process they started (helper-kill.ts); returns how many helpers there were. */
export function killLaunches(tokens: ReadonlySet<string>): number {
  return tokens.size === 0 ? 0 : killHelpers(launchToken(tokens));
}
