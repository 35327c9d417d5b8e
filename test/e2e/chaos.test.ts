/**
 * Crash consistency in CI (issue 12): a few rounds of `npm run chaos` (bench/chaos) — pod churn over the real
 * daemon's socket while the daemon and the IO keeper are killed (in turn) with SIGKILL at a random moment — and
 * every invariant must hold: nothing leaked (doctor --leaks audit, process scan), pods consistent, running
 * containers still running with the same processes and still logging, no numbered log line lost or written twice
 * (the emulator's relay replays what the killed keeper had not acknowledged; container-io/log-offsets.ts).
 * Long runs: npm run chaos.
 *
 * The emulator service is not killed here: its death still ends containers by SIGPIPE (the service owns the
 * read ends of their output pipes) — an open finding (README, "Crash consistency and soak").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rootNetworkingSkipReason } from '../helpers/netns.js';
import { runChaos } from '../../bench/chaos/main.js';

const skip = rootNetworkingSkipReason();

test('kill -9 of the daemon and of the IO keeper during pod churn: no leak, no lost line, running containers survive', { skip }, async () => {
  const lines: string[] = [];
  const s = await runChaos({ rounds: 4, pods: 4, victims: ['daemon', 'keeper'], maxKillMs: 2500, holdMs: 3000, periodS: 0.2, log: (l) => lines.push(l) });
  const report = lines.join('\n');
  assert.equal(s.rounds.length, 4, report);
  assert.deepEqual(s.problems, [], report);
  assert.equal(s.leaks, 0, report);
  assert.equal(s.linesLost, 0, report);
  assert.ok(s.rounds.every((r) => r.pods > 0), `every round started pods:\n${report}`);
});
