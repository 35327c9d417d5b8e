import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapesRoot } from '../../../src/cri/container-path-escape.js';
import { validateContainerConfig } from '../../../src/cri/validate-requests.js';
import type * as T from '../../../src/cri/generated/index.js';

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

const cfg = (over: Partial<T.ContainerConfig__Output>) => ({ metadata: { name: 'c', attempt: 0 }, workingDir: '', mounts: [], command: [], args: [], envs: [], labels: {}, annotations: {}, ...over }) as unknown as T.ContainerConfig__Output;
const mount = (containerPath: string) => ({ containerPath, hostPath: '/tmp/x' });

test('an escaping working_dir or mount container_path is InvalidArgument naming the field', () => {
  const refused = (c: T.ContainerConfig__Output, field: RegExp) => assert.throws(() => validateContainerConfig(c),
    (e: { kind?: string; message: string }) => e.kind === 'InvalidArgument' && field.test(e.message) && /path traversal/.test(e.message));
  refused(cfg({ workingDir: 'C:\\app\\..\\..\\Windows' }), /config\.working_dir/);
  refused(cfg({ mounts: [mount('C:\\data'), mount('C:\\..\\..\\Windows\\System32')] as never }), /config\.mounts\[1\]\.container_path/);
  validateContainerConfig(cfg({ workingDir: 'C:\\app\\..\\data', mounts: [mount('C:\\a\\..\\b')] as never }));
});
