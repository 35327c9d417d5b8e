/** Windows path rules of a host path to mount (src/platform/host-path.ts): which paths are absolute, which name a pipe. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAbsoluteHostPath, isNamedPipe } from '../../../src/platform/host-path.js';

test('drive, UNC, device and /-rooted paths are absolute; relative and drive-relative ones are not', () => {
  for (const p of ['C:\\data', 'c:/data', 'D:\\', '\\\\server\\share\\x', '\\\\?\\C:\\data', '\\\\.\\pipe\\docker_engine', '/var/lib/x']) {
    assert.equal(isAbsoluteHostPath(p), true, p);
  }
  for (const p of ['data', 'data\\x', '.\\x', '..\\x', 'rel/dir', 'C:', 'C:data', '1:\\x', '\\data', '%SystemDrive%\\data']) {
    assert.equal(isAbsoluteHostPath(p), false, p);
  }
});

test('\\\\.\\pipe\\ and //./pipe/ paths name a named pipe; other device and UNC paths do not', () => {
  for (const p of ['\\\\.\\pipe\\docker_engine', '\\\\.\\PIPE\\x', '//./pipe/x']) assert.equal(isNamedPipe(p), true, p);
  for (const p of ['\\\\?\\pipe\\x', '\\\\srv\\pipe\\x', '\\\\.\\pipex', 'C:\\pipe\\x', '/pipe/x', '//./PIPE/x']) assert.equal(isNamedPipe(p), false, p);
});
