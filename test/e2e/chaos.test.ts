/**
 * Crash consistency in CI (issue 12): a few rounds of `npm run chaos` (bench/chaos) — pod churn over the real
 * daemon's socket while the daemon, the IO keeper and the emulator service are killed (in turn) with SIGKILL at
 * a random moment — and every invariant must hold: nothing leaked (doctor --leaks audit, process scan), pods
 * consistent, running containers still running with the same processes and still logging, no numbered log line
 * lost or written twice (the emulator's relay replays what a killed keeper had not acknowledged,
 * container-io/log-offsets.ts; container output goes through FIFOs that outlive the service,
 * platform/emulator/service/stdio-fifo.ts). Long runs: npm run chaos.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rootNetworkingSkipReason } from '../helpers/netns.js';
import { runChaos } from '../../bench/chaos/main.js';

const skip = rootNetworkingSkipReason();

test('kill -9 of the daemon, the IO keeper and the emulator service during pod churn: no leak, no lost line, running containers survive', { skip }, async () => {
  const lines: string[] = [];
  const s = await runChaos({ rounds: 3, pods: 4, victims: ['daemon', 'keeper', 'emulator'], maxKillMs: 2500, holdMs: 3000, periodS: 0.2, log: (l) => lines.push(l) });
  const report = lines.join('\n');
  assert.equal(s.rounds.length, 3, report);
  assert.deepEqual(s.problems, [], report);
  assert.equal(s.leaks, 0, report);
  assert.equal(s.linesLost, 0, report);
  assert.ok(s.rounds.every((r) => r.pods > 0), `every round started pods:\n${report}`);
});
