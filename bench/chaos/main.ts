/**
 * `npm run chaos -- [--rounds N (6)] [--pods M (100: issue 12's 100 concurrent pod starts and stops)] [--victims daemon,keeper,emulator] [--kill-ms MS] [--hold-ms MS]`
 * (every flag: ./flags.ts; `--help` prints them, an unknown flag exits 2).
 *
 * Crash-consistency run (issue 12): the real daemon on the emulator with real pod networking; each round M
 * workers churn pods (run, create, start, hold, stop, remove) while one of the daemon, the IO keeper or the
 * emulator service (in turn) is killed with SIGKILL at a random moment. After it comes back every invariant is
 * checked (./round.ts); the run prints one line per round and a summary, and exits 1 when any invariant broke.
 * SIGINT or SIGTERM ends the run after the current round (clean-up and summary included).
 * Creates Linux networking and audits every wincri-* object on the host: run it alone
 * (`flock /tmp/wincri-net.lock npm run chaos -- …`).
 */
import { pathToFileURL } from 'node:url';
import { intFlag, numFlag, strFlag } from '../lib/flags.js';
import { handleArgs } from '../lib/usage.js';
import { CHAOS_FLAGS } from './flags.js';
import { chaosRound, type RoundResult } from './round.js';
import { startWorld, type Victim } from './world.js';
import { recordPreexistingLeaks } from './checks.js';

export interface ChaosOptions { rounds: number; pods: number; victims: Victim[]; maxKillMs: number; holdMs: number; periodS: number; log?: (s: string) => void; stopRequested?: () => boolean }

export interface ChaosSummary { rounds: RoundResult[]; leaks: number; linesLost: number; linesChecked: number; problems: string[] }

export async function runChaos(o: ChaosOptions): Promise<ChaosSummary> {
  const log = o.log ?? (() => undefined);
  const w = await startWorld();
  const foreign = await recordPreexistingLeaks(w);
  if (foreign.length > 0) console.error(`not counted (unowned before this run started): ${foreign.join('; ')}`);
  const rounds: RoundResult[] = [];
  try {
    for (let i = 0; i < o.rounds && !o.stopRequested?.(); i++) {
      const r = await chaosRound(w, i + 1, o.victims[i % o.victims.length]!, o.pods, o);
      rounds.push(r);
      log(`round ${String(r.round).padStart(3)}  kill ${r.victim.padEnd(8)} after ${String(r.killAfterMs).padStart(5)} ms  pods ${String(r.pods).padStart(4)}` +
        `  at kill ${JSON.stringify(r.phases)}  leaks ${r.leaks}  lines ${r.linesChecked} lost ${r.linesLost}  ${(r.ms / 1000).toFixed(1)} s ${JSON.stringify(r.stages)}` +
        (r.problems.length ? `\n  ${r.problems.join('\n  ')}` : ''));
    }
  } catch (e) {
    log(`aborted: ${(e as Error).stack}\n${w.daemon.log()}`);
    throw e;
  } finally {
    await w.stop();
  }
  return {
    rounds, leaks: rounds.reduce((n, r) => n + r.leaks, 0), linesLost: rounds.reduce((n, r) => n + r.linesLost, 0),
    linesChecked: rounds.reduce((n, r) => n + r.linesChecked, 0), problems: rounds.flatMap((r) => r.problems.map((p) => `round ${r.round} (${r.victim}): ${p}`)),
  };
}

export function chaosOptionsFromArgv(): ChaosOptions {
  const victims = (strFlag('victims') ?? 'daemon,keeper,emulator').split(',') as Victim[];
  for (const v of victims) if (!['daemon', 'keeper', 'emulator'].includes(v)) throw new Error(`--victims: unknown process "${v}" (daemon, keeper, emulator)`);
  return {
    rounds: intFlag('rounds', 6), pods: intFlag('pods', 100), victims,
    maxKillMs: numFlag('kill-ms', 6000), holdMs: numFlag('hold-ms', 4000), periodS: numFlag('period', 0.2),
    log: (s) => console.log(s),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  handleArgs('node dist/bench/chaos/main.js', CHAOS_FLAGS);
  const o = chaosOptionsFromArgv();
  // SIGINT / SIGTERM: finish the current round, clean up and print the summary of the rounds run.
  let stop = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { stop = true; console.log(`${sig}: stopping after this round`); });
  o.stopRequested = () => stop;
  const s = await runChaos(o);
  const pods = s.rounds.reduce((n, r) => n + r.pods, 0);
  console.log(`\n${s.rounds.length} rounds, ${pods} pods, ${s.rounds.length} kills (${o.victims.join(', ')}): leaks ${s.leaks}, log lines ${s.linesChecked} checked, ${s.linesLost} lost, ${s.problems.length} problems`);
  process.exit(s.problems.length ? 1 : 0);
}
