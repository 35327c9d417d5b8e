/** Spill files (service/spill.ts): what a relay kept, read back exactly by a restarted service; trimmed as taken. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Spill, SEGMENT, spillBytes, spillSegments } from '../../../../../src/platform/emulator/service/spill.js';
import { pipeOf, sweepOutputFiles } from '../../../../../src/platform/emulator/service/output-sweep.js';
import type { SystemRecord } from '../../../../../src/platform/emulator/service/records.js';

test('a spill abandoned at any point is recovered from a taken offset to its end, byte for byte; old segments go', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-spill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pipe = join(dir, 'p.out');
  const data = Buffer.alloc(2_000_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 9)) & 255;
  let spill = Spill.start(pipe, 0)!;
  let off = 0, taken = 0;
  for (let round = 0; off < data.length; round++) {
    for (let k = 0; k < 5 && off < data.length; k++) {
      const c = data.subarray(off, off + 1 + ((round * 7919 + k * 104729) % 70_000));
      spill.append(c, off);
      off += c.length;
    }
    taken = Math.max(taken, off - ((round * 31337) % 200_000));
    spill.trim(taken);
    // A killed service leaves the files as they are: a new one reads them back.
    const r = Spill.recover(pipe)!;
    assert.ok(r.base <= taken, `round ${round}: nothing untaken trimmed`);
    assert.deepEqual(Buffer.concat(r.chunks), data.subarray(r.base, off), `round ${round}: content`);
    assert.ok(spillBytes(pipe) <= off - taken + 2 * SEGMENT + 70_000, `round ${round}: bounded`);
    spill = r.spill;
  }
  spill.remove();
  assert.deepEqual(spillSegments(pipe), []);
});

test('output files no process record refers to are swept; pool spares and referenced ones stay', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-spill-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stdio = join(dir, 'stdio');
  const files = ['1-a-0.out', '1-a-0.out.0.spill', '1-a-0.err.1k.spill', '2-b-0.out', '2-b-0.out.2s.spill', 'pool-1-0'];
  // Plain files stand in for FIFOs: the sweep goes by name.
  mkdirSync(stdio);
  for (const f of files) writeFileSync(join(stdio, f), '');
  const rec = { processes: [{ fifos: { stdout: join(stdio, '1-a-0.out'), stderr: join(stdio, '1-a-0.err') } }] } as unknown as SystemRecord;
  assert.deepEqual(sweepOutputFiles(dir, [rec]).sort(), ['2-b-0.out', '2-b-0.out.2s.spill']);
  assert.deepEqual(readdirSync(stdio).sort(), ['1-a-0.err.1k.spill', '1-a-0.out', '1-a-0.out.0.spill', 'pool-1-0']);
  assert.equal(pipeOf('1-a-0.out.0.spill'), '1-a-0.out');
  assert.equal(pipeOf('pool-3-1'), undefined);
});
