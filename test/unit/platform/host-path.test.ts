/** Windows path rules of a host path to mount (src/platform/host-path.ts): which paths are absolute. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAbsoluteHostPath } from '../../../src/platform/host-path.js';

test('drive, UNC, device and /-rooted paths are absolute; relative and drive-relative ones are not', () => {
  for (const p of ['C:\\data', 'c:/data', 'D:\\', '\\\\server\\share\\x', '\\\\?\\C:\\data', '\\\\.\\pipe\\docker_engine', '/var/lib/x']) {
    assert.equal(isAbsoluteHostPath(p), true, p);
  }
  for (const p of ['data', 'data\\x', '.\\x', '..\\x', 'rel/dir', 'C:', 'C:data', '1:\\x', '\\data', '%SystemDrive%\\data']) {
    assert.equal(isAbsoluteHostPath(p), false, p);
  }
});
