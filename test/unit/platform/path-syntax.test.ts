/** Windows path syntax (src/platform/path-syntax.ts): separators, roots, drive letters, the system drive. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  startsAtRoot, hasDriveLetter, isWindowsRooted, isDriveRoot, pathComponents, withSlashes, systemDriveComponents,
} from '../../../src/platform/path-syntax.js';

test('a leading separator of either kind or a drive letter roots a path; drive-relative C:x still names the drive', () => {
  for (const p of ['\\x', '/x', '\\\\srv\\share', 'C:\\x', 'c:/x', 'C:x', 'Z:']) assert.equal(isWindowsRooted(p), true, p);
  for (const p of ['x', 'x\\y', '.\\x', '..\\x', 'a/b', '1:\\x', 'ab:\\x', '%SystemDrive%\\x', '']) assert.equal(isWindowsRooted(p), false, p);
  assert.deepEqual(['\\x', '/x', 'C:\\x', 'x/y'].map(startsAtRoot), [true, true, false, false]);
  assert.deepEqual(['C:\\x', 'c:x', 'C', '\\x', '1:x'].map(hasDriveLetter), [true, true, false, false, false]);
});

test('the root of a drive is the letter, a colon and at most one separator', () => {
  for (const p of ['C:', 'C:\\', 'd:/']) assert.equal(isDriveRoot(p), true, p);
  for (const p of ['C:\\x', 'C:\\\\', 'C', '\\', '/', 'CD:\\']) assert.equal(isDriveRoot(p), false, p);
});

test('components split at both separators; empty ones are kept for the caller to drop', () => {
  assert.deepEqual(pathComponents('a\\b/c'), ['a', 'b', 'c']);
  assert.deepEqual(pathComponents('a//..\\b'), ['a', '', '..', 'b']);
  assert.equal(withSlashes('a\\b\\..\\c/d'), 'a/b/../c/d');
});

test('a system drive path yields its components below C:\\; any other path yields none', () => {
  assert.deepEqual(systemDriveComponents('C:\\Windows\\System32'), ['Windows', 'System32']);
  assert.deepEqual(systemDriveComponents('c:/a/../b'), ['a', '..', 'b']);
  assert.deepEqual(systemDriveComponents('C:\\'), ['']);
  for (const p of ['D:\\x', 'C:x', 'C:', '\\x', '/x', 'x']) assert.equal(systemDriveComponents(p), undefined, p);
});
