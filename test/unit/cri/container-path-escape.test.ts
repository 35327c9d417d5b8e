/** cri/ maps a container path that climbs above its root (platform/container-path-escape.ts) to InvalidArgument naming the field. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateContainerConfig } from '../../../src/cri/validate-requests.js';
import type * as T from '../../../src/cri/generated/index.js';

const cfg = (over: Partial<T.ContainerConfig__Output>) => ({ metadata: { name: 'c', attempt: 0 }, workingDir: '', mounts: [], command: [], args: [], envs: [], labels: {}, annotations: {}, ...over }) as unknown as T.ContainerConfig__Output;
const mount = (containerPath: string) => ({ containerPath, hostPath: '/tmp/x' });

test('an escaping working_dir or mount container_path is InvalidArgument naming the field', () => {
  const refused = (c: T.ContainerConfig__Output, field: RegExp) => assert.throws(() => validateContainerConfig(c),
    (e: { kind?: string; message: string }) => e.kind === 'InvalidArgument' && field.test(e.message) && /path traversal/.test(e.message));
  refused(cfg({ workingDir: 'C:\\app\\..\\..\\Windows' }), /config\.working_dir/);
  refused(cfg({ mounts: [mount('C:\\data'), mount('C:\\..\\..\\Windows\\System32')] as never }), /config\.mounts\[1\]\.container_path/);
  validateContainerConfig(cfg({ workingDir: 'C:\\app\\..\\data', mounts: [mount('C:\\a\\..\\b')] as never }));
});
