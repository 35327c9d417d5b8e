import { test } from 'node:test';
import assert from 'node:assert/strict';
import { num } from '../../../src/cri/int64.js';
import { sandboxConfigFromCri, containerConfigFromCri, containerStatusToCri } from '../../../src/cri/convert.js';
import { isRuntimeError } from '../../../src/errors.js';
import type { ContainerRecord } from '../../../src/runtime/model.js';

test('num parses int64 strings and names the field on errors', () => {
  assert.equal(num('42', 'f'), 42);
  assert.equal(num('', 'f'), 0);
  assert.throws(() => num('1.5', 'config.x'), (e) => isRuntimeError(e, 'InvalidArgument') && /config\.x/.test(e.message));
  assert.throws(() => num('20000', 'cpu_maximum', { max: 10000 }), (e) => isRuntimeError(e, 'InvalidArgument') && /cpu_maximum/.test(e.message));
});

test('sandbox config: linux namespace options are kept for the status echo; host ports validated', () => {
  const base = {
    metadata: { name: 'p', uid: 'u', namespace: 'n', attempt: 1 }, hostname: 'h', logDirectory: '/l', dnsConfig: null,
    portMappings: [], labels: {}, annotations: {}, windows: null,
    linux: { cgroupParent: '/test.slice', securityContext: { namespaceOptions: { network: 'NODE', pid: 'POD', ipc: 'POD', targetId: '' } } },
  };
  const c = sandboxConfigFromCri(base as never);
  assert.deepEqual(c.namespaceOptions, { network: 'NODE', pid: 'POD', ipc: 'POD', targetId: '' });
  assert.equal(c.metadata.attempt, 1);
  const dup = { ...base, portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' }, { protocol: 'TCP', containerPort: 81, hostPort: 8080, hostIp: '' }] };
  assert.throws(() => sandboxConfigFromCri(dup as never), (e) => isRuntimeError(e, 'InvalidArgument') && /port_mappings\[1\]/.test(e.message));
  assert.throws(() => sandboxConfigFromCri(null), (e) => isRuntimeError(e, 'InvalidArgument'));
});

test('container config: bytes env values decoded; image volumes refused on Windows', () => {
  const base = {
    metadata: { name: 'c', attempt: 0 }, image: { image: 'sha256:x', userSpecifiedImage: 'x', annotations: {}, runtimeHandler: '' },
    command: [], args: [], workingDir: '', envs: [{ key: 'K', value: Buffer.from('välue') }], mounts: [], devices: [], labels: {}, annotations: {},
    logPath: '', stdin: false, stdinOnce: false, tty: false, linux: null, windows: null, CDIDevices: [],
  };
  assert.deepEqual(containerConfigFromCri(base as never).envs, [{ key: 'K', value: 'välue' }]);
  const imgVol = { ...base, mounts: [{ containerPath: 'C:\\x', hostPath: '', readonly: true, image: { image: 'foo' } }] };
  assert.throws(() => containerConfigFromCri(imgVol as never), (e) => isRuntimeError(e, 'InvalidArgument') && /mounts\[0\]\.image/.test(e.message));
});

test('container status hides exit data until exited and reports the absolute log path', () => {
  const rec = {
    id: 'c', sandboxId: 'p', imageId: 'sha256:i', imageName: 'repo:tag', imageRef: 'repo@sha256:d', createdAt: '10', startedAt: '20', finishedAt: '30',
    state: 'CONTAINER_RUNNING', exitCode: 5, reason: 'Error', message: 'm', scratchPath: '/s', logFile: '/logs/c/0.log',
    config: { metadata: { name: 'c', attempt: 0 }, image: { image: 'sha256:i', userSpecifiedImage: 'repo:tag', annotations: {}, runtimeHandler: '' }, mounts: [], labels: {}, annotations: {} },
  } as unknown as ContainerRecord;
  const s = containerStatusToCri(rec);
  assert.equal(s.finishedAt, '0');
  assert.equal(s.exitCode, 0);
  assert.equal(s.reason, '');
  assert.equal(s.logPath, '/logs/c/0.log');
  assert.equal(s.imageId, 'sha256:i');
  const e = containerStatusToCri({ ...rec, state: 'CONTAINER_EXITED' });
  assert.equal(e.exitCode, 5);
  assert.equal(e.finishedAt, '30');
});
