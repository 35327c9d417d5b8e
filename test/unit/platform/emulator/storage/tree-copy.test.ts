/**
 * The union's tree copy (tree-copy.ts): what fs.cp did for it — directories merged, files replaced with their mode
 * and times (big ones on the thread pool), links verbatim — plus an upper entry replacing a lower one of another
 * type, over many batches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { copyTree } from '../../../../../src/platform/emulator/service/tree-copy.js';

test('copyTree merges directories, replaces files and links, keeps modes and file times', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-tree-copy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lower = join(dir, 'lower');
  const upper = join(dir, 'upper');
  const dest = join(dir, 'dest');
  mkdirSync(join(lower, 'app', 'old'), { recursive: true });
  writeFileSync(join(lower, 'app', 'keep.txt'), 'lower keep');
  writeFileSync(join(lower, 'app', 'over.txt'), 'lower');
  writeFileSync(join(lower, 'app', 'old', 'x'), 'x');
  writeFileSync(join(lower, 'was-file'), 'file');
  mkdirSync(join(upper, 'app'), { recursive: true });
  mkdirSync(join(upper, 'tools'), { mode: 0o750 });
  chmodSync(join(upper, 'tools'), 0o750);
  writeFileSync(join(upper, 'app', 'over.txt'), 'upper');
  writeFileSync(join(upper, 'tools', 'run'), '#!/bin/sh\n');
  writeFileSync(join(upper, 'app', 'big.bin'), Buffer.alloc(3 * 1024 * 1024, 7)); // copied on the thread pool
  chmodSync(join(upper, 'app', 'big.bin'), 0o640);
  utimesSync(join(upper, 'app', 'big.bin'), new Date('2019-01-01T00:00:00Z'), new Date('2019-06-01T00:00:00Z'));
  chmodSync(join(upper, 'tools', 'run'), 0o751);
  utimesSync(join(upper, 'tools', 'run'), new Date('2020-01-02T03:04:05Z'), new Date('2021-02-03T04:05:06Z'));
  symlinkSync('../app/keep.txt', join(upper, 'tools', 'link'));
  symlinkSync('/absolute/target', join(upper, 'app', 'old')); // a link replaces a directory
  mkdirSync(join(upper, 'was-file')); // a directory replaces a file
  writeFileSync(join(upper, 'was-file', 'inside'), 'in');
  mkdirSync(dest);

  await copyTree(lower, dest);
  await copyTree(upper, dest);

  assert.equal(readFileSync(join(dest, 'app', 'keep.txt'), 'utf8'), 'lower keep');
  assert.equal(readFileSync(join(dest, 'app', 'over.txt'), 'utf8'), 'upper');
  assert.equal(readlinkSync(join(dest, 'app', 'old')), '/absolute/target');
  assert.equal(readlinkSync(join(dest, 'tools', 'link')), '../app/keep.txt');
  assert.equal(readFileSync(join(dest, 'was-file', 'inside'), 'utf8'), 'in');
  assert.equal(lstatSync(join(dest, 'tools')).mode & 0o777, 0o750);
  const run = lstatSync(join(dest, 'tools', 'run'));
  assert.equal(run.mode & 0o777, 0o751);
  assert.equal(run.mtime.toISOString(), '2021-02-03T04:05:06.000Z');
  const big = lstatSync(join(dest, 'app', 'big.bin'));
  assert.equal(big.size, 3 * 1024 * 1024);
  assert.equal(big.mode & 0o777, 0o640);
  assert.equal(big.mtime.toISOString(), '2019-06-01T00:00:00.000Z');
  assert.ok(readFileSync(join(dest, 'app', 'big.bin')).every((b) => b === 7));
  assert.equal(readFileSync(join(upper, 'app', 'over.txt'), 'utf8'), 'upper', 'the source is untouched');
});

test('copyTree copies a tree larger than one batch completely', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-tree-copy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'src');
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(src, `d${d}`), { recursive: true });
    for (let f = 0; f < 100; f++) writeFileSync(join(src, `d${d}`, `f${f}`), `${d}/${f}`);
  }
  const dest = join(dir, 'dest');
  mkdirSync(dest);
  // The copy gives the event loop turns between its batches.
  let turns = 0;
  let counting = true;
  const count = () => { if (!counting) return; turns++; setImmediate(count); };
  setImmediate(count);
  await copyTree(src, dest);
  counting = false;
  assert.ok(turns > 0, 'the event loop ran while the tree was copied');
  assert.equal(readdirSync(dest).length, 20);
  for (let d = 0; d < 20; d++) {
    assert.equal(readdirSync(join(dest, `d${d}`)).length, 100);
    assert.equal(readFileSync(join(dest, `d${d}`, 'f99'), 'utf8'), `${d}/99`);
  }
});

test('copyTree fills a read-only (0555) directory before giving it its mode; a directory an upper file replaces goes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-tree-copy-'));
  t.after(() => { chmodSync(join(dir, 'dest', 'usr', 'bin'), 0o755); rmSync(dir, { recursive: true, force: true }); });
  const src = join(dir, 'src');
  mkdirSync(join(src, 'usr', 'bin'), { recursive: true });
  writeFileSync(join(src, 'usr', 'bin', 'tool'), 'tool');
  mkdirSync(join(src, 'usr', 'bin', 'sub'));
  writeFileSync(join(src, 'usr', 'bin', 'sub', 'x'), 'x');
  chmodSync(join(src, 'usr', 'bin', 'sub'), 0o555);
  chmodSync(join(src, 'usr', 'bin'), 0o555);
  writeFileSync(join(src, 'was-dir'), 'now a file');
  const dest = join(dir, 'dest');
  mkdirSync(join(dest, 'was-dir', 'deep'), { recursive: true });
  writeFileSync(join(dest, 'was-dir', 'deep', 'f'), 'lower');
  await copyTree(src, dest);
  assert.equal(lstatSync(join(dest, 'usr', 'bin')).mode & 0o7777, 0o555);
  assert.equal(lstatSync(join(dest, 'usr', 'bin', 'sub')).mode & 0o7777, 0o555);
  assert.equal(readFileSync(join(dest, 'usr', 'bin', 'sub', 'x'), 'utf8'), 'x');
  assert.equal(readFileSync(join(dest, 'was-dir'), 'utf8'), 'now a file');
  chmodSync(join(src, 'usr', 'bin', 'sub'), 0o755);
  chmodSync(join(src, 'usr', 'bin'), 0o755);
  chmodSync(join(dest, 'usr', 'bin', 'sub'), 0o755);
});

test('copyTree refuses a source that is a link to a directory and leaves the destination as it was', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-tree-copy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'elsewhere'));
  symlinkSync(join(dir, 'elsewhere'), join(dir, 'Files'));
  const dest = join(dir, 'dest');
  mkdirSync(dest);
  writeFileSync(join(dest, 'merged-before'), 'lower');
  await assert.rejects(copyTree(join(dir, 'Files'), dest), /is not a directory/);
  assert.equal(readFileSync(join(dest, 'merged-before'), 'utf8'), 'lower');
  assert.ok(lstatSync(dest).isDirectory());
});

test('copyTree: a copy that fails part-way still gives its directories their modes; a merge keeps a 0555 directory 0555', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-tree-copy-'));
  const dest = join(dir, 'dest');
  t.after(() => { spawnSync('chmod', ['-R', 'u+w', dir]); rmSync(dir, { recursive: true, force: true }); });
  const bad = join(dir, 'bad');
  mkdirSync(join(bad, 'ro'), { recursive: true });
  writeFileSync(join(bad, 'ro', 'a'), 'a');
  spawnSync('mkfifo', [join(bad, 'ro', 'zz-fifo')]);
  chmodSync(join(bad, 'ro'), 0o555);
  mkdirSync(dest);
  await assert.rejects(copyTree(bad, dest), /neither a file, a directory nor a symbolic link/);
  assert.equal(lstatSync(join(dest, 'ro')).mode & 0o7777, 0o555, 'the failed copy still set the mode');
  const upper = join(dir, 'upper');
  mkdirSync(join(upper, 'ro'), { recursive: true });
  writeFileSync(join(upper, 'ro', 'b'), 'b');
  await copyTree(upper, dest);
  assert.equal(readFileSync(join(dest, 'ro', 'b'), 'utf8'), 'b');
  assert.equal(lstatSync(join(dest, 'ro')).mode & 0o7777, 0o555, 'merged into, it keeps its mode');
});
