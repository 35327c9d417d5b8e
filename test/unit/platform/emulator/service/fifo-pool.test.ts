/** FIFOs made ahead in batches and renamed into place; a dead service's spares are swept. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { takeFifos, dropSpareFifos, POOL_BATCH } from '../../../../../src/platform/emulator/service/fifo-pool.js';

test('takeFifos makes 0600 FIFOs at the targets and keeps spares for later takes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fifo-pool-'));
  try {
    const targets = Array.from({ length: POOL_BATCH + 3 }, (_, i) => join(dir, `p${i}.out`));
    // More than one batch, taken two at a time and concurrently: every target gets its own FIFO.
    const pairs: string[][] = [];
    for (let i = 0; i < targets.length; i += 2) pairs.push(targets.slice(i, i + 2));
    await Promise.all(pairs.map((p) => takeFifos(dir, p)));
    for (const t of targets) {
      const st = lstatSync(t);
      assert.ok(st.isFIFO(), `${t} is a FIFO`);
      assert.equal(st.mode & 0o777, 0o600);
    }
    const spares = () => readdirSync(dir).filter((n) => n.startsWith('pool-'));
    assert.ok(spares().length > 0, 'spares are kept for the next process');
    dropSpareFifos();
    assert.deepEqual(spares(), []);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a dead service\'s spares are removed when the directory is first used', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fifo-pool-'));
  try {
    mkdirSync(dir, { recursive: true });
    // A pid that has certainly exited: a child already reaped.
    const dead = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim();
    const left = join(dir, `pool-${dead}-0`);
    assert.equal(spawnSync('mkfifo', [left]).status, 0);
    await takeFifos(dir, [join(dir, 'a.out')]);
    assert.ok(!readdirSync(dir).includes(`pool-${dead}-0`), 'the dead service\'s spare is gone');
    assert.ok(lstatSync(join(dir, 'a.out')).isFIFO());
    dropSpareFifos();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a target that cannot be made rejects and leaves no FIFO behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fifo-pool-'));
  try {
    await assert.rejects(takeFifos(dir, [join(dir, 'missing-subdir', 'x.out')]));
    dropSpareFifos();
    assert.deepEqual(readdirSync(dir), []);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
