/** syncFileSystem: the syncfs that ends a layer import succeeds on an existing folder and names the path when it fails. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syncFileSystem } from '../../../../../src/platform/emulator/service/sync-fs.js';

test('syncFileSystem: flushes the file system of an existing folder', async (t) => {
  const d = mkdtempSync(join(tmpdir(), 'wincri-syncfs-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  writeFileSync(join(d, 'f'), 'data');
  await syncFileSystem(d);
});

test('syncFileSystem: a missing folder is an error naming it', async () => {
  const missing = join(tmpdir(), `wincri-syncfs-missing-${process.pid}`);
  await assert.rejects(syncFileSystem(missing), (e: Error) => e.message.includes(missing));
});
