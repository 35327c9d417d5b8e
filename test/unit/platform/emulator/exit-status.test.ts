/** Exit status files (service/exit-status.ts): the format the waiter writes, and the sweep at load. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newStatusFile, readExitStatus, sweepStatusFiles } from '../../../../src/platform/emulator/service/exit-status.js';

test('status files: exit and signal codes read as exitCodeOf does; the sweep keeps recorded files and their write in progress', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-exits-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const kept = newStatusFile(dir);
  const orphan = newStatusFile(dir);
  writeFileSync(kept, 'exit 7\n');
  writeFileSync(`${kept}.tmp`, 'signal 9\n');
  writeFileSync(orphan, 'signal 9\n');
  writeFileSync(`${orphan}.tmp`, 'exit 1\n');
  assert.equal(readExitStatus(kept), 7);
  assert.equal(readExitStatus(orphan), 137);
  assert.equal(readExitStatus(`${kept}.missing`), undefined);
  writeFileSync(`${kept}.bad`, 'exit 7');
  assert.equal(readExitStatus(`${kept}.bad`), undefined, 'a status without its newline is not complete');
  sweepStatusFiles(dir, [kept, undefined]);
  const left = readdirSync(join(dir, 'exits')).sort();
  const base = kept.split('/').pop()!;
  assert.deepEqual(left, [base, `${base}.tmp`].sort());
});
