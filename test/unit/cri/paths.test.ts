/**
 * cri/ maps the platform's path rules to InvalidArgument naming the field: a container path that climbs above its
 * root (platform/container-path-escape.ts), a mount's host path that is not absolute (platform/host-path.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateContainerConfig } from '../../../src/cri/validate-requests.js';
import type * as T from '../../../src/cri/generated/index.js';

const cfg = (over: Partial<T.ContainerConfig__Output>) => ({ metadata: { name: 'c', attempt: 0 }, workingDir: '', mounts: [], command: [], args: [], envs: [], labels: {}, annotations: {}, ...over }) as unknown as T.ContainerConfig__Output;
const mount = (containerPath: string, hostPath = '/tmp/x') => ({ containerPath, hostPath });
const refused = (c: T.ContainerConfig__Output, field: RegExp, why: RegExp) => assert.throws(() => validateContainerConfig(c),
  (e: { kind?: string; message: string }) => e.kind === 'InvalidArgument' && field.test(e.message) && why.test(e.message));

test('an escaping working_dir or mount container_path is InvalidArgument naming the field', () => {
  refused(cfg({ workingDir: 'C:\\app\\..\\..\\Windows' }), /config\.working_dir/, /path traversal/);
  refused(cfg({ mounts: [mount('C:\\data'), mount('C:\\..\\..\\Windows\\System32')] as never }), /config\.mounts\[1\]\.container_path/, /path traversal/);
  validateContainerConfig(cfg({ workingDir: 'C:\\app\\..\\data', mounts: [mount('C:\\a\\..\\b')] as never }));
});

test('a mount host_path that is missing, not absolute or carries a control character is InvalidArgument naming the field', () => {
  refused(cfg({ mounts: [mount('C:\\d', 'C:\\data'), mount('C:\\e', 'data\\x')] as never }), /config\.mounts\[1\]\.host_path: "data\\\\x"/, /must be an absolute host path/);
  refused(cfg({ mounts: [mount('C:\\d', 'C:data')] as never }), /config\.mounts\[0\]\.host_path/, /must be an absolute host path/);
  refused(cfg({ mounts: [mount('C:\\d', '')] as never }), /config\.mounts\[0\]\.host_path/, /is required/);
  refused(cfg({ mounts: [mount('C:\\d', 'C:\\data\n')] as never }), /config\.mounts\[0\]\.host_path/, /control character/);
  validateContainerConfig(cfg({ mounts: [mount('C:\\d', 'C:\\data'), mount('C:\\p', '\\\\.\\pipe\\x'), mount('/d', '/var/lib/x')] as never }));
});
