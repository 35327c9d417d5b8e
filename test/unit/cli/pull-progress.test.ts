import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pullRenderer, layerLine } from '../../../src/cli/pull-progress.js';

const msg = (received: number[], done: boolean[], seconds = 2) => ({
  ref: 'r', seconds, totalBytes: 3_000_000, bytes: received.reduce((a, b) => a + b, 0),
  layers: received.map((r, i) => ({ digest: `sha256:${String(i).repeat(64)}`, size: i === 0 ? 1_000_000 : 2_000_000, received: r, done: done[i]! })),
});

test('on a terminal: one bar per layer plus a total, redrawn in place', () => {
  const out: string[] = [];
  const r = pullRenderer({ isTTY: true, columns: 80, write: (s) => out.push(s) });
  r.update(msg([500_000, 0], [false, false]));
  r.update(msg([1_000_000, 1_000_000], [true, false]));
  assert.equal(out.length, 2);
  assert.ok(!out[0]!.startsWith('\x1b[3A'));
  assert.ok(out[1]!.startsWith('\x1b[3A'), 'second frame moves up over the three lines of the first');
  const frame = out[1]!.split('\n').filter(Boolean).map((l) => l.replace(/\x1b\[\d*[AK]/g, ''));
  assert.equal(frame.length, 3);
  assert.match(frame[0]!, /^000000000000 \[=+\] done$/);
  assert.match(frame[1]!, /^111111111111 \[=*> *\] 1\.0\/2\.0 MB$/);
  assert.equal(frame[2], 'total 2.0/3.0 MB, 1.0 MB/s');
});

test('not a terminal: a line per finished layer (once) and a total at the plain interval', () => {
  const out: string[] = [];
  let t = 0;
  const r = pullRenderer({ isTTY: false, write: (s) => out.push(s) }, { plainEveryMs: 5000, now: () => t });
  r.update(msg([500_000, 0], [false, false]));
  r.update(msg([1_000_000, 0], [true, false]));
  t = 5000;
  r.update(msg([1_000_000, 500_000], [true, false]));
  r.update(msg([1_000_000, 2_000_000], [true, true]));
  assert.deepEqual(out, [
    'layer 1/2 000000000000 done (1.0 MB)\n',
    'pulled 1.5 of 3.0 MB (50%)\n',
    'layer 2/2 111111111111 done (2.0 MB)\n',
  ]);
});

test('layerLine sizes the bar to the terminal width (10 to 40 cells)', () => {
  const l = { digest: 'sha256:' + 'a'.repeat(64), size: 100, received: 50, done: false };
  const bar = (w: number) => /\[(.*)\]/.exec(layerLine(l, w))![1]!;
  assert.equal(bar(60), '=========>          ');
  assert.equal(bar(20).length, 10);
  assert.equal(bar(200).length, 40);
});
