/** The log-offset journal: which side of the last batch a killed keeper died on, from the log's size. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, writeFileSync, appendFileSync, renameSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OffsetJournal, recoverOffsets } from '../../../src/container-io/log-offsets.js';
import { CriLogWriter } from '../../../src/container-io/log-writer.js';

function fixture(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-log-offsets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { journal: join(dir, 'c.offsets'), log: join(dir, '0.log') };
}

test('no journal: undefined (a keeper that kept none); a fresh journal: nothing stored', async (t) => {
  const f = fixture(t);
  assert.equal(await recoverOffsets(f.journal, f.log), undefined);
  OffsetJournal.create(f.journal).close();
  assert.deepEqual(await recoverOffsets(f.journal, f.log), { offsets: { stdout: 0, stderr: 0 }, truncatedBytes: 0 });
});

test('the writer states each batch: the offsets after the last batch, the unterminated tail excluded', async (t) => {
  const f = fixture(t);
  const j = OffsetJournal.create(f.journal);
  const w = await CriLogWriter.open(f.log, { journal: (e) => j.write(e) });
  await w.write('stdout', Buffer.from('one\ntwo\nthr'));
  await w.write('stderr', Buffer.from('err\n'));
  assert.equal(w.stored('stdout'), 8);
  assert.deepEqual(await recoverOffsets(f.journal, f.log), { offsets: { stdout: 8, stderr: 4 }, truncatedBytes: 0 });
  await w.close();
  j.close();
});

test('killed before the batch reached the log: the offsets before it; cut short: truncated to before it', async (t) => {
  const f = fixture(t);
  writeFileSync(f.log, 'x'.repeat(100));
  const ino = statSync(f.log).ino;
  const j = OffsetJournal.create(f.journal, { stdout: 40, stderr: 7 });
  j.write({ ino, sizeBefore: 100, sizeAfter: 160, offsets: { stdout: 90, stderr: 7 } });
  j.close();
  assert.deepEqual(await recoverOffsets(f.journal, f.log), { offsets: { stdout: 40, stderr: 7 }, truncatedBytes: 0 });
  appendFileSync(f.log, 'y'.repeat(25));
  assert.deepEqual(await recoverOffsets(f.journal, f.log), { offsets: { stdout: 40, stderr: 7 }, truncatedBytes: 25 });
  assert.equal(readFileSync(f.log, 'utf8'), 'x'.repeat(100));
  appendFileSync(f.log, 'z'.repeat(60));
  assert.deepEqual(await recoverOffsets(f.journal, f.log), { offsets: { stdout: 90, stderr: 7 }, truncatedBytes: 0 });
  // Rotated away after the statement: the batch is repeated rather than lost.
  renameSync(f.log, `${f.log}.1`);
  writeFileSync(f.log, '');
  assert.deepEqual(await recoverOffsets(f.journal, f.log), { offsets: { stdout: 40, stderr: 7 }, truncatedBytes: 0 });
});

test('a reopened journal keeps its statement until the first batch (never truncated)', async (t) => {
  const f = fixture(t);
  writeFileSync(f.log, '');
  OffsetJournal.create(f.journal, { stdout: 12, stderr: 3 }).close();
  assert.deepEqual((await recoverOffsets(f.journal, f.log))?.offsets, { stdout: 12, stderr: 3 });
  const j = OffsetJournal.create(f.journal, { stdout: 12, stderr: 3 });
  const w = await CriLogWriter.open(f.log, { journal: (e) => j.write(e), offsets: { stdout: 12, stderr: 3 } });
  await w.write('stdout', Buffer.from('abc\n'));
  assert.deepEqual((await recoverOffsets(f.journal, f.log))?.offsets, { stdout: 16, stderr: 3 });
  await w.close();
  j.close();
});
