/**
 * The wait for a directory change (dir-wait.ts) sees a change made while the caller looked at the directory: the
 * watch is armed before the look, so the feed removing a segment right after the spool read the listing wakes the
 * wait at once instead of at the slow fallback. The fallback here is an hour: only the watch can wake these waits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirWait } from '../../../../../src/platform/emulator/service/dir-wait.js';

const HOUR = 3_600_000;

test('dir wait: a change made during the look wakes the wait', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-dirwait-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const seg = join(dir, 'p.in.0.spill');
  writeFileSync(seg, 'x');
  const w = new DirWait(dir, (n) => n.startsWith('p.in.'), HOUR);
  t.after(() => w.close());
  let waiting = false;
  const woke = new Promise<void>((res) => {
    // The look reads a full window, and the feed removes the segment just after it.
    waiting = w.waitWhile(() => { unlinkSync(seg); return true; }, res);
  });
  assert.equal(waiting, true);
  await woke;
  assert.equal(w.waiting, false);
});

test('dir wait: one watch serves every wait; a look that finds room does not wait', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-dirwait-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const names = ['p.in.0.spill', 'p.in.a.spill'];
  // Created before the watch is armed (the first waitWhile arms it): their creation, a rename event too, must not
  // be what wakes a wait below; only the unlink during each look may.
  for (const name of names) writeFileSync(join(dir, name), 'x');
  const w = new DirWait(dir, (n) => n.startsWith('p.in.'), HOUR);
  t.after(() => w.close());
  assert.equal(w.waitWhile(() => false, () => assert.fail('no wait')), false);
  for (const name of names) {
    await new Promise<void>((res) => { assert.equal(w.waitWhile(() => { unlinkSync(join(dir, name)); return true; }, res), true); });
  }
});
