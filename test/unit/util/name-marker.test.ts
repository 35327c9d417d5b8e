import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNameMarker } from '../../../src/util/name-marker.js';

for (const syncSteps of [true, false]) test(`createNameMarker (synchronous steps: ${syncSteps}) makes its directory, leaves one empty file under the name and no temp file; again is harmless`, async () => {
  const root = mkdtempSync(join(tmpdir(), 'marker-'));
  try {
    const file = join(root, 'namespaces', 'abc.json');
    await createNameMarker(file, syncSteps);
    await Promise.all([createNameMarker(file, syncSteps), createNameMarker(join(root, 'namespaces', 'def.json'), syncSteps)]);
    assert.deepEqual(readdirSync(join(root, 'namespaces')).sort(), ['abc.json', 'def.json']);
    assert.equal(statSync(file).size, 0);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

for (const syncSteps of [true, false]) test(`createNameMarker (synchronous steps: ${syncSteps}) fails when its directory cannot be made`, async () => {
  const root = mkdtempSync(join(tmpdir(), 'marker-'));
  try {
    await createNameMarker(join(root, 'file'), syncSteps);
    await assert.rejects(createNameMarker(join(root, 'file', 'sub', 'x.json'), syncSteps), /ENOTDIR/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
