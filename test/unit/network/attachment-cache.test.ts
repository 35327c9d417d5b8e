/** The CNI attachment cache: what it remembers of its own writes never disagrees with the file after a drop. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
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
