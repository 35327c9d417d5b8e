import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, writeFileSync, readFileSync, statSync, symlinkSync, readlinkSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importTree } from '../../../../src/platform/emulator/service/import-tree.js';
import { measureLayer } from '../../../../src/platform/emulator/service/layer-size.js';
import { yielder } from '../../../../src/platform/emulator/service/yielder.js';

test('importTree: files hard-linked (a file already at the destination replaced), directories with their times, symlinks kept', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'wincri-import-tree-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  const src = join(d, 'src');
  mkdirSync(join(src, 'Files', 'a', 'b'), { recursive: true });
  writeFileSync(join(src, 'Files', 'a', 'b', 'new.txt'), 'new');
  writeFileSync(join(src, 'Files', 'top.txt'), 'top');
  linkSync(join(src, 'Files', 'top.txt'), join(src, 'Files', 'also-top.txt')); // two names, one inode
  symlinkSync('a/b/new.txt', join(src, 'Files', 'link'));
  utimesSync(join(src, 'Files', 'a'), 1_000_000, 1_000_000);
  const dst = join(d, 'layer');
  mkdirSync(join(dst, 'Files'), { recursive: true });
  writeFileSync(join(dst, 'Files', 'top.txt'), 'stale');

  await importTree(join(src, 'Files'), join(dst, 'Files'));

  assert.equal(readFileSync(join(dst, 'Files', 'top.txt'), 'utf8'), 'top');
  assert.equal(statSync(join(dst, 'Files', 'top.txt')).ino, statSync(join(src, 'Files', 'top.txt')).ino);
  assert.equal(readFileSync(join(dst, 'Files', 'a', 'b', 'new.txt'), 'utf8'), 'new');
  assert.equal(readlinkSync(join(dst, 'Files', 'link')), 'a/b/new.txt');
  assert.equal(statSync(join(dst, 'Files', 'a')).mtimeMs, 1_000_000_000);
  assert.equal(statSync(join(dst, 'Files', 'also-top.txt')).ino, statSync(join(dst, 'Files', 'top.txt')).ino);
  // Hard links counted once: top.txt and also-top.txt are one inode of 3 bytes.
  const usage = await measureLayer(dst);
  assert.deepEqual(usage, { usedBytes: 3 + 3 + 'a/b/new.txt'.length, inodesUsed: 6 });
});

test('importTree: a directory at a file\'s destination is refused', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'wincri-import-tree-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  mkdirSync(join(d, 'src'), { recursive: true });
  writeFileSync(join(d, 'src', 'x'), 'x');
  mkdirSync(join(d, 'dst', 'x'), { recursive: true });
  await assert.rejects(importTree(join(d, 'src'), join(d, 'dst')));
});

test('yielder: hands the event loop a turn once its time budget is spent, not before', async () => {
  let ran = 0;
  const spent = yielder(0); // every budget is spent at once
  setImmediate(() => { ran++; });
  await spent();
  assert.equal(ran, 1, 'a spent budget lets an immediate run');
  const fresh = yielder(3_600_000);
  setImmediate(() => { ran++; });
  for (let i = 0; i < 1000; i++) await fresh();
  assert.equal(ran, 1, 'no turn while the budget lasts, however many entries');
});
