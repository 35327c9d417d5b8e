import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressFields, PullProgress } from '../../../src/images/pull/progress.js';
import { logger, setLogSink, setLogFormat } from '../../../src/util/log.js';

test('progress fields: percent, rate and ETA from the bytes so far', () => {
  assert.deepEqual(progressFields({ bytes: 2_000_000, totalBytes: 10_000_000, layersDone: 1, layers: 3 }, 4),
    { bytes: 2_000_000, totalBytes: 10_000_000, percent: 20, layersDone: 1, layers: 3, mbps: '0.50', eta: '16s' });
  assert.equal(progressFields({ bytes: 0, totalBytes: 5, layersDone: 0, layers: 1 }, 0).eta, '', 'no ETA before data arrives');
});

test('PullProgress counts bytes and layers and reports them; stop ends the interval', async () => {
  setLogFormat('json');
  const lines: string[] = [];
  const restore = setLogSink((l) => lines.push(l));
  try {
    const p = new PullProgress(logger('images/pull'), 'example.com/a:1', [100, 300], 0);
    p.bytes(150);
    p.layerDone();
    p.report();
    p.stop();
    const o = JSON.parse(lines[0]!);
    assert.deepEqual([o.msg, o.ref, o.bytes, o.totalBytes, o.percent, o.layersDone, o.layers], ['pull progress', 'example.com/a:1', 150, 400, 37, 1, 2]);
  } finally {
    restore();
  }
});
