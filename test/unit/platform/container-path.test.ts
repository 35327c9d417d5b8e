/** Container paths → directories in the writable layer (working directories the image lacks). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, writeFileSync, symlinkSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerPathSegments, createDirectoryChain } from '../../../src/platform/container-path.js';
import { isPlatformError } from '../../../src/platform/hresult.js';

test('container path segments: C:\\ and rooted paths, .. clamped at the root; other drives, UNC and relative paths are not ours', () => {
  assert.deepEqual(containerPathSegments('C:\\app\\data'), ['app', 'data']);
  assert.deepEqual(containerPathSegments('c:/app//x/./y'), ['app', 'x', 'y']);
  assert.deepEqual(containerPathSegments('\\app'), ['app']);
  assert.deepEqual(containerPathSegments('C:\\'), []);
  assert.deepEqual(containerPathSegments('C:'), []);
  assert.deepEqual(containerPathSegments('C:\\..\\..\\etc'), ['etc']);
  for (const p of ['D:\\data', '\\\\server\\share', '\\\\?\\Volume{x}\\a', 'app', '']) assert.equal(containerPathSegments(p), undefined, p);
});

test('createDirectoryChain creates what is missing, accepts existing directories, refuses files and links', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'wincri-cpath-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  await createDirectoryChain(root, ['app', 'data'], join, 'C:\\app\\data');
  assert.ok(statSync(join(root, 'app', 'data')).isDirectory());
  await createDirectoryChain(root, ['app', 'data'], join, 'C:\\app\\data');
  writeFileSync(join(root, 'file'), '');
  await assert.rejects(createDirectoryChain(root, ['file', 'x'], join, 'C:\\file\\x'),
    (e) => isPlatformError(e, 'ERROR_DIRECTORY') && /C:\\file\\x: file exists in the container and is not a directory/.test((e as Error).message));
  mkdirSync(join(root, '..', `${root.split('/').pop()}-outside`), { recursive: true });
  const outside = `${root}-outside`;
  t.after(() => rmSync(outside, { recursive: true, force: true }));
  symlinkSync(outside, join(root, 'link'));
  await assert.rejects(createDirectoryChain(root, ['link', 'x'], join, 'C:\\link\\x'), (e) => isPlatformError(e, 'ERROR_DIRECTORY'));
  assert.ok(!existsSync(join(outside, 'x')), 'nothing created through the link');
});
