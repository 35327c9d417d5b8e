import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNameMarker } from '../../../src/util/name-marker.js';

test('createNameMarker makes its directory, leaves one empty file under the name and no temp file; again is harmless', async () => {
  const root = mkdtempSync(join(tmpdir(), 'marker-'));
  try {
    const file = join(root, 'namespaces', 'abc.json');
    await createNameMarker(file);
    await Promise.all([createNameMarker(file), createNameMarker(join(root, 'namespaces', 'def.json'))]);
    assert.deepEqual(readdirSync(join(root, 'namespaces')).sort(), ['abc.json', 'def.json']);
    assert.equal(statSync(file).size, 0);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('createNameMarker fails when its directory cannot be made', async () => {
  const root = mkdtempSync(join(tmpdir(), 'marker-'));
  try {
    await createNameMarker(join(root, 'file'));
    await assert.rejects(createNameMarker(join(root, 'file', 'sub', 'x.json')), /ENOTDIR/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
