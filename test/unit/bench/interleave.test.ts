import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roundOrder, blockSizes, interleavedRounds } from '../../../bench/lib/interleave.js';
import { serverTimes, serverDelta } from '../../../bench/lifecycle/probe.js';

test('roundOrder: two targets alternate which goes first; three rotate', () => {
  assert.deepEqual([0, 1, 2, 3].map((r) => roundOrder(r, 2)), [[0, 1], [1, 0], [0, 1], [1, 0]]);
  assert.deepEqual([0, 1, 2].map((r) => roundOrder(r, 3)), [[0, 1, 2], [1, 2, 0], [2, 0, 1]]);
  assert.deepEqual(roundOrder(5, 1), [0]);
});

test('blockSizes: full blocks, then the remainder; nothing for no samples', () => {
  assert.deepEqual(blockSizes(12, 5), [5, 5, 2]);
  assert.deepEqual(blockSizes(10, 5), [5, 5]);
  assert.deepEqual(blockSizes(0, 5), []);
  assert.equal(blockSizes(120, 5).reduce((a, b) => a + b, 0), 120);
});

test('serverTimes: per-RPC server time and outside parts from a metrics scrape; serverDelta subtracts them', () => {
  const scrape = (run: number, plat: number) => [
    '# HELP wincri_grpc_request_duration_seconds_sum x',
    `wincri_grpc_request_duration_seconds_sum{service="runtime",method="RunPodSandbox"} ${run}`,
    `wincri_grpc_outside_seconds_total{service="runtime",method="RunPodSandbox",part="platform"} ${plat}`,
    `wincri_grpc_outside_seconds_total{service="runtime",method="RunPodSandbox",part="cni-exec"} 0.001`,
    'wincri_grpc_request_duration_seconds_sum{service="runtime",method="StartContainer"} 0.5',
    `wincri_cni_operation_duration_seconds_sum{operation="ADD",plugin="nat"} ${run / 2}`,
  ].join('\n');
  const a = serverTimes(scrape(1, 0.5));
  assert.deepEqual(a.RunPodSandbox, { ms: 1000, platform: 500, keeper: 0, cni: 1 });
  assert.equal(a.StartContainer!.ms, 500);
  const d = serverDelta(a, serverTimes(scrape(1.04, 0.53)));
  assert.ok(Math.abs(d.RunPodSandbox!.ms - 40) < 1e-6 && Math.abs(d.RunPodSandbox!.platform - 30) < 1e-6);
  assert.equal(d.StartContainer!.ms, 0);
  assert.ok(Math.abs(d['CNI ADD']!.ms - 20) < 1e-6);
});

test('interleavedRounds: the targets take turns, the order rotating; each target gets its own results', async () => {
  const seen: string[] = [];
  const per = await interleavedRounds(['a', 'b'], 3, async (t) => { seen.push(t); return `${t}${seen.length}`; });
  assert.deepEqual(seen, ['a', 'b', 'b', 'a', 'a', 'b']);
  assert.deepEqual(per.get('a'), ['a1', 'a4', 'a5']);
  assert.deepEqual(per.get('b'), ['b2', 'b3', 'b6']);
});
