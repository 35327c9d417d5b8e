/**
 * The CNI attachment cache: what it remembers of its own writes never disagrees with the file after a drop; what
 * its listings tell when the directory is missing or cannot be read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttachmentCache, type CacheRecord } from '../../../src/network/attachment-cache.js';

const rec = (id: string): CacheRecord => ({ sandboxId: id, ifName: 'eth0', netns: 'ns', args: '', runtimeConfig: {}, network: '{}', state: 'added' });

test('a drop that overlaps a save: no record afterwards, in memory or on disk', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-attach-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cache = new AttachmentCache(dir);
  await cache.save(rec('warm')); // the directory exists: the next save's first step is its temp file
  const saving = cache.save(rec('sb'));
  // The drop starts once the save's rename is done, while it still makes the rename durable (directory fsync).
  for (let i = 0; i < 100_000 && !existsSync(join(dir, 'sb.json')); i++) await new Promise((r) => setImmediate(r));
  assert.ok(existsSync(join(dir, 'sb.json')), 'the save renamed its file into place');
  const dropping = cache.drop('sb');
  await Promise.all([saving, dropping]);
  assert.equal(existsSync(join(dir, 'sb.json')), false);
  assert.equal(await cache.read('sb'), undefined, 'memory does not say "present" for a dropped record');
  assert.deepEqual(await cache.list(), ['warm']);
  // A save after the drop is remembered again.
  await cache.save(rec('sb'));
  assert.equal((await cache.read('sb'))?.sandboxId, 'sb');
});

test('recorded(): undefined for a missing directory, a rejection for one that cannot be read; list() (GC) reads both as none', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-attach-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'a-file'), '');
  const missing = new AttachmentCache(join(dir, 'gone'));
  assert.equal(await missing.recorded(), undefined);
  assert.deepEqual(await missing.list(), []);
  const unreadable = new AttachmentCache(join(dir, 'a-file'));
  await assert.rejects(unreadable.recorded(), { code: 'ENOTDIR' });
  assert.deepEqual(await unreadable.list(), []);
  const present = new AttachmentCache(join(dir, 'cache'));
  await present.save(rec('sb'));
  await present.drop('sb');
  assert.deepEqual(await present.recorded(), [], 'a directory there and empty: every record positively gone');
});
