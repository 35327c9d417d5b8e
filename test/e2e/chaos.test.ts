/**
 * Crash consistency in CI (issue 12): a few rounds of `npm run chaos` (bench/chaos) — pod churn over the real
 * daemon's socket while the daemon or the IO keeper is killed with SIGKILL at a random moment — and every
 * invariant must hold: nothing leaked (doctor --leaks audit, process scan), pods consistent, running containers
 * still running with the same processes and still logging, no numbered log line lost. Long runs: npm run chaos.
 *
 * Only the daemon is killed here. Killing the IO keeper (npm run chaos -- --victims keeper) can still lose the
 * output that was in flight between the emulator's relay and the keeper's log write at the moment of the kill
 * (seen: 1 line in 645): the relay does not keep unacknowledged bytes to replay to the restarted keeper. That is
 * an open bug (README, "Crash consistency and soak"), not something this test may paper over with a tolerance.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rootNetworkingSkipReason } from '../helpers/netns.js';
import { runChaos } from '../../bench/chaos/main.js';

const skip = rootNetworkingSkipReason();

test('kill -9 of the daemon during pod churn: no leak, no lost line, running containers survive', { skip }, async () => {
  const lines: string[] = [];
  const s = await runChaos({ rounds: 3, pods: 4, victims: ['daemon'], maxKillMs: 2500, holdMs: 3000, periodS: 0.2, log: (l) => lines.push(l) });
  const report = lines.join('\n');
  assert.equal(s.rounds.length, 3, report);
  assert.deepEqual(s.problems, [], report);
  assert.equal(s.leaks, 0, report);
  assert.equal(s.linesLost, 0, report);
  assert.ok(s.rounds.every((r) => r.pods > 0), `every round started pods:\n${report}`);
});
