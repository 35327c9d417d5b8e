/**
 * `npm run bench` end to end with tiny counts against wincri only (no peer): every phase runs through the real
 * daemon and the table has a figure for each row. Figures are not checked (they belong to the bench); the run
 * builds real pod networking with the nat plugin, so it needs root, `ip` and `nft`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rootNetworkingSkipReason } from '../helpers/netns.js';
import { ROWS } from '../../bench/report.js';
import { goProbeUnavailable } from '../../bench/steady/go-probe.js';

const RUN = fileURLToPath(new URL('../../bench/run.js', import.meta.url));

test('bench: all phases against wincri with tiny counts', { skip: rootNetworkingSkipReason() }, () => {
  const r = spawnSync(process.execPath, [RUN, '--no-peer', '--pods', '2', '--par-pods', '2', '--warmup', '0', '--parallel', '2', '--steady-pods', '2',
    '--relist-samples', '3', '--relist-warmup', '3', '--idle-seconds', '0.2', '--version-samples', '5', '--version-warmup', '5', '--log-mb', '0.2', '--log-rounds', '1', '--pull-mb', '2', '--pull-rounds', '1',
    '--exec-samples', '2', '--exec-mb', '1', '--recovery-pods', '2', '--restarts', '1'], { encoding: 'utf8', timeout: 240_000 });
  assert.equal(r.status, 0, `bench exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /daemon restart → ready, 2 pods[^]*restart after SIGKILL/, 'the recovery phase printed its figures');
  const rows = r.stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| figure'));
  const noGo = goProbeUnavailable();
  for (const row of ROWS) {
    if (noGo && row.key.startsWith('relistGo')) { assert.ok(r.stdout.includes(`Go relist probe skipped: ${noGo}`), 'the skipped Go probe is said'); continue; }
    const label = row.label.replace('N pods', '2 pods');
    const line = rows.find((l) => l.startsWith(`| ${label}`));
    assert.ok(line, `no row "${label}" in:\n${r.stdout}`);
    assert.match(line, /\| -?\d+(\.\d+)? \|$/, `row without a number: ${line}`);
  }
});
