/** Windows path rules of a container path (src/platform/container-path-escape.ts): where `..` climbs above the root. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapesRoot } from '../../../src/platform/container-path-escape.js';

test('.. above the root escapes; .. that stays inside does not', () => {
  for (const p of ['C:\\..\\Windows', 'C:\\app\\..\\..\\Windows', 'C:/a/../../b', 'c:..\\x', '\\..\\x', 'D:\\..',
    '..\\x', 'a\\..\\..', '%CONTAINER_SANDBOX_MOUNT_POINT%\\..\\x', '$env:CONTAINER_SANDBOX_MOUNT_POINT\\a\\..\\..\\x']) {
    assert.equal(escapesRoot(p), true, p);
  }
  for (const p of ['C:\\', 'C:\\app', 'C:\\app\\..\\data', 'C:\\a\\.\\b\\..\\..', 'C:/a/b/../c', '\\app\\..', 'app\\x\\..',
    '%CONTAINER_SANDBOX_MOUNT_POINT%\\a\\..\\b', '\\\\.\\pipe\\docker_engine', 'C:\\a..b\\..c']) {
    assert.equal(escapesRoot(p), false, p);
  }
});
