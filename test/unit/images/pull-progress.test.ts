import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressFields, PullProgress } from '../../../src/images/pull/progress.js';
import { logger, setLogSink, setLogFormat } from '../../../src/util/log.js';

test('progress fields: percent, rate and ETA from the bytes so far', () => {
  assert.deepEqual(progressFields({ bytes: 2_000_000, totalBytes: 10_000_000, layersDone: 1, layers: 3 }, 4),
    { bytes: 2_000_000, totalBytes: 10_000_000, percent: 20, layersDone: 1, layers: 3, mbps: '0.50', eta: '16s' });
  assert.equal(progressFields({ bytes: 0, totalBytes: 5, layersDone: 0, layers: 1 }, 0).eta, '', 'no ETA before data arrives');
});

test('PullProgress counts bytes per layer, logs totals, and feeds subscribers when a layer completes', async () => {
  setLogFormat('json');
  const lines: string[] = [];
  const restore = setLogSink((l) => lines.push(l));
  try {
    const p = new PullProgress(logger('images/pull'), 'example.com/a:1', 0);
    p.begin([{ digest: 'sha256:a', size: 100 }, { digest: 'sha256:b', size: 300 }]);
    const seen: number[] = [];
    const unsubscribe = p.subscribe((s) => seen.push(s.bytes), 60_000);
    p.layerBytes(1, 50);
    p.layerDone(0); // already present: counts as its full size
    p.report();
    unsubscribe();
    p.layerDone(1);
    p.stop();
    assert.deepEqual(seen, [150], 'one snapshot, at the completion of layer 0; none after unsubscribing');
    const o = JSON.parse(lines[0]!);
    assert.deepEqual([o.msg, o.ref, o.bytes, o.totalBytes, o.percent, o.layersDone, o.layers], ['pull progress', 'example.com/a:1', 150, 400, 37, 1, 2]);
    assert.deepEqual(p.snapshot().layers.map((l) => [l.received, l.done]), [[0, true], [50, true]]);
  } finally {
    restore();
  }
});
