/**
 * The fd/leak part of `npm run soak` (bench/soak) in CI: churn pods for 10 s over the real daemon's socket, then
 * the daemon, IO keeper and emulator service are back to their baseline of open fds, the leak audit is clean and
 * no numbered log line was lost. Memory slopes need long runs and are reported by `npm run soak`, not asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rootNetworkingSkipReason } from '../helpers/netns.js';
import { runSoak } from '../../bench/soak/main.js';

const skip = rootNetworkingSkipReason();

test('pod churn returns every process to its fd baseline, leaks nothing and loses no log line', { skip }, async () => {
  const r = await runSoak({ minutes: 1 / 6, pods: 3 });
  const report = JSON.stringify(r, null, 1);
  assert.ok(r.pods > 3, `pods were churned: ${report}`);
  for (const p of r.processes) assert.ok(p.fdAfter <= p.fdBaseline, `${p.name}: ${p.fdAfter} fds after, ${p.fdBaseline} at baseline\n${report}`);
  assert.deepEqual(r.leaks, [], report);
  assert.equal(r.linesLost, 0, report);
  assert.ok(r.linesChecked > 0, report);
  assert.deepEqual(r.problems, [], report);
});
