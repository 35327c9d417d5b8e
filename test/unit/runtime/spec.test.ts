import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, mkdirSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeEnv, processArgs, buildContainerSpec, prepareMountSources } from '../../../src/runtime/spec.js';
import type { ContainerConfig, SandboxRecord } from '../../../src/runtime/model.js';
import { isRuntimeError } from '../../../src/errors.js';

function cfg(over: Partial<ContainerConfig> = {}): ContainerConfig {
  return {
    metadata: { name: 'app', attempt: 0 }, image: { image: 'sha256:x', userSpecifiedImage: '', annotations: {}, runtimeHandler: '' },
    command: [], args: [], workingDir: '', envs: [], mounts: [], devices: [], labels: {}, annotations: {}, logPath: '',
    stdin: false, stdinOnce: false, tty: false, windows: { runAsUsername: '', credentialSpec: '', hostProcess: false }, ...over,
  };
}
const image = { id: 'sha256:x', repoTags: [], repoDigests: [], env: ['PATH=C:\\Windows', 'A=1'], entrypoint: ['ep'], cmd: ['c1', 'c2'], workingDir: 'C:\\img', user: 'ContainerUser', layerPaths: ['/l/top', '/l/base'] };
const pod: SandboxRecord = {
  id: 'p'.repeat(64), runtimeHandler: '', createdAt: '1', state: 'SANDBOX_READY', namespaceId: '11111111-2222-3333-4444-555555555555', additionalIps: [],
  config: { metadata: { name: 'web', uid: 'u', namespace: 'ns', attempt: 0 }, hostname: 'web-0', logDirectory: '/logs', portMappings: [], labels: {}, annotations: {}, hostProcess: false, runAsUsername: '', credentialSpec: '', dns: { servers: ['10.0.0.10'], searches: ['ns.svc.cluster.local'], options: [] } },
};

test('env: image first, config overrides by key, order kept', () => {
  assert.deepEqual(mergeEnv(['A=1', 'B=2', 'bad'], [{ key: 'B', value: '3' }, { key: 'C', value: 'x=y' }]), ['A=1', 'B=3', 'C=x=y']);
  assert.throws(() => mergeEnv([], [{ key: '', value: 'v' }]), (e) => isRuntimeError(e, 'InvalidArgument'));
});

test('command/args follow the Kubernetes entrypoint rules', () => {
  assert.deepEqual(processArgs({ command: [], args: [] }, image), ['ep', 'c1', 'c2']);
  assert.deepEqual(processArgs({ command: [], args: ['a'] }, image), ['ep', 'a']);
  assert.deepEqual(processArgs({ command: ['cmd'], args: [] }, image), ['cmd']);
  assert.deepEqual(processArgs({ command: ['cmd'], args: ['x'] }, image), ['cmd', 'x']);
});

test('spec carries process, hostname, network namespace, layers and resources', () => {
  const s = buildContainerSpec('c'.repeat(64), cfg({ envs: [{ key: 'A', value: '2' }], windows: { runAsUsername: '', credentialSpec: '', hostProcess: false, resources: { cpuShares: 0, cpuCount: 0, cpuMaximum: 2500, memoryLimitInBytes: 1 << 28, rootfsSizeInBytes: 0, affinityCpus: [] } } }), image, pod, []);
  assert.deepEqual(s.process.args, ['ep', 'c1', 'c2']);
  assert.deepEqual(s.process.env, ['PATH=C:\\Windows', 'A=2']);
  assert.equal(s.process.cwd, 'C:\\img');
  assert.equal(s.process.user.username, 'ContainerUser');
  assert.equal(s.hostname, 'web-0');
  assert.equal(s.windows.network?.networkNamespace, pod.namespaceId);
  assert.deepEqual(s.windows.network?.dnsSearchList, ['ns.svc.cluster.local']);
  assert.deepEqual(s.windows.layerFolders, ['/l/top', '/l/base']);
  assert.deepEqual(s.windows.resources, { memory: { limit: 1 << 28 }, cpu: { maximum: 2500 } });
  assert.equal(s.annotations['io.kubernetes.cri.sandbox-id'], pod.id);
  assert.throws(() => buildContainerSpec('x', cfg(), { ...image, entrypoint: [], cmd: [] }, pod, []), (e) => isRuntimeError(e, 'InvalidArgument') && /command/.test(e.message));
  assert.throws(() => buildContainerSpec('x', cfg({ windows: { runAsUsername: '', credentialSpec: '', hostProcess: true } }), image, pod, []), (e) => isRuntimeError(e, 'InvalidArgument') && /host_process/.test(e.message));
});

test('mount sources: missing dirs created, symlinks resolved, pipes passed through, bad paths rejected', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mounts-'));
  try {
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    const m = (hostPath: string, containerPath = 'C:\\data', readonly = false) => ({ hostPath, containerPath, readonly, selinuxRelabel: false, propagation: 'PROPAGATION_PRIVATE', recursiveReadOnly: false });
    const out = await prepareMountSources(cfg({ mounts: [m(join(dir, 'link'), 'C:\\a', true), m(join(dir, 'new', 'sub')), m('\\\\.\\pipe\\docker_engine', '\\\\.\\pipe\\docker_engine')] }));
    assert.equal(out[0]!.source, join(dir, 'real'));
    assert.deepEqual(out[0]!.options, ['ro']);
    assert.ok(existsSync(join(dir, 'new', 'sub')));
    assert.equal(out[2]!.source, '\\\\.\\pipe\\docker_engine');
    await assert.rejects(prepareMountSources(cfg({ mounts: [m(dir, 'C:')] })), (e) => isRuntimeError(e, 'InvalidArgument') && /mounts\[0\]/.test(e.message));
    await assert.rejects(prepareMountSources(cfg({ mounts: [m('', 'C:\\x')] })), (e) => isRuntimeError(e, 'InvalidArgument') && /host_path/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a pipe mount in any spelling Windows reads as a pipe passes through as is: nothing made, nothing resolved', async () => {
  const cwd = process.cwd();
  const dir = mkdtempSync(join(tmpdir(), 'mounts-'));
  process.chdir(dir); // a spelling taken for a directory would be made here (relative) or under / (the // ones)
  try {
    const pipes = ['\\\\.\\pipe\\docker_engine', '\\\\.\\PIPE\\x', '\\\\?\\pipe\\x', '//./pipe/x', '//./PIPE/x', '//?/pipe/x', '\\\\.\\pipe/x'];
    const m = (hostPath: string) => ({ hostPath, containerPath: '\\\\.\\pipe\\in', readonly: false, selinuxRelabel: false, propagation: 'PROPAGATION_PRIVATE', recursiveReadOnly: false });
    const out = await prepareMountSources(cfg({ mounts: pipes.map(m) }));
    assert.deepEqual(out.map((x) => [x.source, x.type]), pipes.map((p) => [p, 'npipe']));
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
});
