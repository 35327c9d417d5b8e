import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, removeIfPresent } from '../../../src/util/atomic.js';

test('writeFileAtomic creates a missing directory, replaces whole files, leaves no temp file, keeps the mode', async () => {
  const root = mkdtempSync(join(tmpdir(), 'atomic-'));
  try {
    const file = join(root, 'a', 'b', 'rec.json');
    await writeFileAtomic(file, 'x'.repeat(100_000), 0o640);
    assert.equal(readFileSync(file, 'utf8').length, 100_000);
    assert.equal(statSync(file).mode & 0o777, 0o640);
    // Concurrent writers into one directory (their directory fsyncs group-committed): every file whole.
    await Promise.all(Array.from({ length: 30 }, (_, i) => writeFileAtomic(join(root, 'a', 'b', `r${i}.json`), JSON.stringify({ i, pad: 'p'.repeat(i * 100) }))));
    for (let i = 0; i < 30; i++) assert.equal(JSON.parse(readFileSync(join(root, 'a', 'b', `r${i}.json`), 'utf8')).i, i);
    await Promise.all([writeFileAtomic(file, 'first'), writeFileAtomic(file, 'second')]);
    assert.ok(['first', 'second'].includes(readFileSync(file, 'utf8')), 'one whole version, never a mix');
    await writeFileAtomic(file, 'not synced', 0o600, { syncDir: false }); // still a whole replace by rename
    assert.equal(readFileSync(file, 'utf8'), 'not synced');
    assert.deepEqual(readdirSync(join(root, 'a', 'b')).filter((f) => f.endsWith('.tmp')), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('writeFileAtomic fails with the cause and leaves no temp file when the rename cannot happen', async () => {
  const root = mkdtempSync(join(tmpdir(), 'atomic-'));
  try {
    const blocker = join(root, 'dir-in-the-way');
    await writeFileAtomic(join(blocker, 'inner'), 'keep'); // a non-empty directory where the file should go
    await assert.rejects(writeFileAtomic(blocker, 'data'), (e: NodeJS.ErrnoException) => ['EISDIR', 'ENOTEMPTY', 'EEXIST'].includes(e.code ?? ''));
    assert.deepEqual(readdirSync(root).filter((f) => f.endsWith('.tmp')), []);
    writeFileSync(join(root, 'plain'), '');
    await assert.rejects(writeFileAtomic(join(root, 'plain', 'x.json'), 'data'), (e: NodeJS.ErrnoException) => e.code === 'ENOTDIR');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('removeIfPresent removes a file and accepts a missing one', async () => {
  const root = mkdtempSync(join(tmpdir(), 'atomic-'));
  try {
    writeFileSync(join(root, 'f'), 'x');
    await removeIfPresent(join(root, 'f'));
    await removeIfPresent(join(root, 'f'));
    assert.deepEqual(readdirSync(root), []);
    await assert.rejects(removeIfPresent(root), (e: NodeJS.ErrnoException) => e.code !== 'ENOENT', 'a directory is not silently kept');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('writeFileAtomic: two instances of the module (as in worker threads: one pid, own counters) never share a temp file', async () => {
  const root = mkdtempSync(join(tmpdir(), 'atomic-'));
  try {
    const url = new URL('../../../src/util/atomic.js', import.meta.url).href;
    type Atomic = typeof import('../../../src/util/atomic.js');
    const [one, two] = await Promise.all([import(`${url}?instance=1`) as Promise<Atomic>, import(`${url}?instance=2`) as Promise<Atomic>]);
    const file = join(root, 'rec.json');
    // Both counters start at 0: with pid and counter alone both writes would use one temp file, and the second
    // rename would find it gone.
    await Promise.all([one.writeFileAtomic(file, 'a'.repeat(50_000)), two.writeFileAtomic(file, 'b'.repeat(50_000))]);
    const data = readFileSync(file, 'utf8');
    assert.ok(data === 'a'.repeat(50_000) || data === 'b'.repeat(50_000), 'one whole version');
    assert.deepEqual(readdirSync(root).filter((f) => f.endsWith('.tmp')), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

for (const syncSteps of [true, false]) {
  test(`writeFileAtomic (${syncSteps ? 'steps on the caller\'s thread' : 'every step on the thread pool'}): small and large records, a missing directory, the same whole result`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'atomic-'));
    try {
      // A small record into a missing directory: the open fails ENOENT, the directory is made, the open retried.
      const small = join(root, 'missing', 'deeper', 'small.json');
      await writeFileAtomic(small, '{"small":true}', 0o640, { syncSteps });
      assert.equal(readFileSync(small, 'utf8'), '{"small":true}');
      assert.equal(statSync(small).mode & 0o777, 0o640);
      const large = join(root, 'other', 'large.bin');
      await writeFileAtomic(large, Buffer.alloc(100_000, 7), 0o600, { syncSteps });
      assert.deepEqual(readFileSync(large), Buffer.alloc(100_000, 7));
      await Promise.all(Array.from({ length: 10 }, (_, i) => writeFileAtomic(small, `{"v":${i}}`, 0o640, { syncSteps })));
      assert.match(readFileSync(small, 'utf8'), /^\{"v":\d\}$/, 'one whole version');
      await assert.rejects(writeFileAtomic(join(root, 'missing'), 'x', 0o600, { syncSteps }), (e: NodeJS.ErrnoException) => ['EISDIR', 'ENOTEMPTY', 'EEXIST'].includes(e.code ?? ''));
      for (const d of [root, join(root, 'missing', 'deeper'), join(root, 'other')]) assert.deepEqual(readdirSync(d).filter((f) => f.endsWith('.tmp')), [], d);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}
