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

test('a named pipe in every spelling Windows reads as one (both device prefixes; forward slashes where normalised); nothing else', () => {
  const pipes = [
    '\\\\.\\pipe\\docker_engine', '\\\\.\\PIPE\\x', '\\\\?\\pipe\\x', '\\\\?\\Pipe\\x', // Node's net docs: \\?\pipe\ or \\.\pipe\
    '//./pipe/x', '//./PIPE/x', '\\\\.\\pipe/x', '//?/pipe/x', // normalised: / is \ (kubelet's //./pipe/x for npipe:////./pipe/x)
    '\\\\.\\\\pipe\\x', '\\\\.\\pipe\\a\\..\\b', '\\\\.\\pipe\\.\\x', // runs of separators are one; . and .. resolved
    '\\\\?\\pipe\\a\\..\\b', // \\?\ exactly: not normalised, a name with dots
  ];
  for (const p of pipes) assert.equal(isNamedPipe(p), true, p);
  const others = [
    '\\\\srv\\pipe\\x', '//srv/pipe/x', '\\\\.\\pipex', '\\\\.\\pipe\\', '\\\\.\\pipe', '//./pipe/', '\\\\?\\pipe\\',
    '\\\\?\\pipe/x', // \\?\ exactly is not normalised: no pipe directory holds x
    '\\\\.\\pipe\\..\\x', '//./pipe/../C:/x', // .. leaves the pipe namespace
    '\\\\?\\C:\\pipe\\x', '\\\\.\\C:\\x', 'C:\\pipe\\x', '/pipe/x', 'pipe\\x', '',
  ];
  for (const p of others) assert.equal(isNamedPipe(p), false, p);
});
