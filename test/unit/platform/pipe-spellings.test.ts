/**
 * Every layer reads a pipe path alike (platform/host-path.ts pipeNameOf): a mount's host path in each spelling
 * Windows reads as a local pipe goes spec (npipe, passed through) → HCS document (MappedPipe with the canonical
 * HostPath) → emulator (create accepts it; the socket is the pipe's own name) — and the HostProcess job document
 * refuses it as a pipe. A path that names no pipe is none at every layer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { prepareMountSources } from '../../../src/runtime/spec.js';
import type { ContainerConfig } from '../../../src/runtime/model.js';
import { mapMounts, DocumentError } from '../../../src/platform/hcs/document/index.js';
import { buildJobContainerDocument, type JobDocumentOptions } from '../../../src/platform/jobs/document/index.js';
import { checkDevicesAndPipes } from '../../../src/platform/emulator/service/documents.js';
import { hostPipeSocket, setHostPipeDir } from '../../../src/platform/emulator/service/pipes.js';
import { pipeSocketFile } from '../../../src/platform/emulator/service/pipe-socket-name.js';
import { pipeNameOf } from '../../../src/platform/host-path.js';
import type { ContainerSpec } from '../../../src/platform/spec.js';

const STATE = '/state';
setHostPipeDir(STATE);
/** [host path, the HostPath the document carries, the emulator's socket file under <state>/pipes]. */
const spellings: [string, string, string][] = [
  ['\\\\.\\pipe\\docker_engine', '\\\\.\\pipe\\docker_engine', 'docker_engine'],
  ['\\\\.\\PIPE\\x', '\\\\.\\pipe\\x', 'x'],
  ['\\\\?\\pipe\\x', '\\\\.\\pipe\\x', 'x'],
  ['\\\\?\\Pipe\\x', '\\\\.\\pipe\\x', 'x'],
  ['//./pipe/x', '\\\\.\\pipe\\x', 'x'],
  ['//?/pipe/x', '\\\\.\\pipe\\x', 'x'],
  ['\\\\.\\pipe/x', '\\\\.\\pipe\\x', 'x'],
  ['\\\\.\\\\pipe\\x', '\\\\.\\pipe\\x', 'x'],
  ['\\\\.\\pipe\\a\\..\\b', '\\\\.\\pipe\\b', 'b'],
  ['\\\\.\\pipe\\dir\\x', '\\\\.\\pipe\\dir\\x', 'dir%5Cx'],
  ['\\\\.\\pipe\\Docker_Engine', '\\\\.\\pipe\\Docker_Engine', 'docker_engine'], // pipe names are case-insensitive
  ['\\\\?\\pipe\\a\\..\\b', '\\\\?\\pipe\\a\\..\\b', 'a%5C..%5Cb'], // \\?\ exactly: not normalised, so a name with dots
  ['\\\\?\\pipe\\..', '\\\\?\\pipe\\..', '%2E%2E'], // a name of dots: its socket stays inside <state>/pipes
];
/**
 * Different pipes whose names once met in one socket file (separators, `%`, characters a file name does not keep,
 * long names cut to fit a socket address): each still has its own socket at every layer.
 */
const long = 'p'.repeat(200);
const distinct = [
  '\\\\?\\pipe\\a/b', '\\\\.\\pipe\\a\\b', '\\\\.\\pipe\\a_b', '\\\\.\\pipe\\a%5Cb', '\\\\.\\pipe\\a%2Fb', '\\\\.\\pipe\\a%255Cb',
  '\\\\?\\pipe\\..', '\\\\.\\pipe\\%2E%2E', '\\\\.\\pipe\\x y', '\\\\.\\pipe\\x%20y', '\\\\.\\pipe\\\u00e9', '\\\\.\\pipe\\%E9',
  '\\\\.\\pipe\\\ud800', '\\\\.\\pipe\\\udc00', '\\\\.\\pipe\\\u0100', '\\\\.\\pipe\\%u0100',
  `\\\\.\\pipe\\${long}1`, `\\\\.\\pipe\\${long}2`, `\\\\.\\pipe\\${long}%~`,
];
const notPipes = ['\\\\srv\\pipe\\x', '\\\\.\\pipe\\..\\x', '\\\\?\\pipe/x', '\\\\.\\pipe\\', '\\\\.\\pipex'];

const cfg = (hostPath: string): ContainerConfig => ({
  metadata: { name: 'app', attempt: 0 }, image: { image: 'sha256:x', userSpecifiedImage: '', annotations: {}, runtimeHandler: '' },
  command: [], args: [], workingDir: '', envs: [], devices: [], labels: {}, annotations: {}, logPath: '',
  stdin: false, stdinOnce: false, tty: false, windows: { runAsUsername: '', credentialSpec: '', hostProcess: false },
  mounts: [{ hostPath, containerPath: '\\\\.\\pipe\\in', readonly: false, selinuxRelabel: false, propagation: 'PROPAGATION_PRIVATE', recursiveReadOnly: false }],
});
const jobSpec = (mounts: ContainerSpec['mounts']): ContainerSpec => ({
  ociVersion: '1.2.0', process: { args: ['agent.exe'], env: [], cwd: 'C:\\hpc', terminal: false, user: { username: 'NT AUTHORITY\\SYSTEM' } },
  mounts, annotations: {}, windows: { layerFolders: [], hostProcess: true },
});
const jobOpts: JobDocumentOptions = {
  owner: 'wincri', id: '0123456789abcdef0123456789abcdef', rootVolume: '\\\\?\\Volume{6b3f1c2e-7d4a-5e8f-9a0b-1c2d3e4f5a6b}\\',
  layers: [{ id: 'l1', path: 'C:\\layers\\l1' }], fileBinding: true, hostProcessorCount: 8,
};
const emulatorAccepts = (HostPath: string) => checkDevicesAndPipes('create', { MappedPipes: [{ ContainerPipeName: 'in', HostPath }] }, 'Container');

test('each pipe spelling: spec passes it as npipe, the document maps the canonical pipe, the emulator accepts it and finds that pipe, a HostProcess job refuses it', async () => {
  for (const [hostPath, canonical, socket] of spellings) {
    const [mount] = await prepareMountSources(cfg(hostPath));
    assert.deepEqual([mount!.source, mount!.type], [hostPath, 'npipe'], hostPath);
    const { pipes, directories } = mapMounts([mount!]);
    assert.deepEqual([pipes, directories], [[{ ContainerPipeName: 'in', HostPath: canonical }], []], hostPath);
    assert.doesNotThrow(() => emulatorAccepts(canonical), hostPath);
    assert.doesNotThrow(() => emulatorAccepts(hostPath), hostPath); // a client passing its own spelling to HCS
    assert.equal(hostPipeSocket(canonical), join(STATE, 'pipes', socket), hostPath);
    assert.equal(hostPipeSocket(hostPath), join(STATE, 'pipes', socket), hostPath);
    for (const destination of ['\\\\.\\pipe\\in', 'C:\\in']) { // refused for its host path, whatever the destination
      assert.throws(() => buildJobContainerDocument(jobSpec([{ ...mount!, destination }]), jobOpts),
        (e: Error) => e instanceof DocumentError && /named pipe mounts are not supported/.test(e.message), `${hostPath} → ${destination}`);
    }
  }
});

test('a path that names no local pipe is no pipe at any layer: no MappedPipe, refused as a HostPath, no socket', () => {
  for (const p of notPipes) {
    assert.throws(() => mapMounts([{ destination: '\\\\.\\pipe\\in', source: p, options: [] }]), DocumentError, p);
    assert.deepEqual(mapMounts([{ destination: 'C:\\in', source: p, options: [] }]).pipes, [], p);
    assert.throws(() => emulatorAccepts(p), /E_INVALIDARG|HostPath/, p);
    assert.equal(hostPipeSocket(p), undefined, p);
  }
});

test('a pipe mounts only onto a pipe: a pipe host path onto a directory, or a directory onto a pipe, is a DocumentError', () => {
  assert.throws(() => mapMounts([{ destination: 'C:\\in', source: '\\\\?\\pipe\\x', options: [] }]), /mounts only onto a named pipe/);
  assert.throws(() => mapMounts([{ destination: '//./pipe/in', source: 'C:\\data', options: [] }]), /mounts only onto a named pipe/);
});

test('different pipes never share a socket, and each keeps its own name through spec, document and emulator', async () => {
  const sockets = new Map<string, string>();
  for (const hostPath of distinct) {
    const [mount] = await prepareMountSources(cfg(hostPath));
    assert.deepEqual([mount!.source, mount!.type], [hostPath, 'npipe'], hostPath);
    const [pipe] = mapMounts([mount!]).pipes;
    assert.equal(pipeNameOf(pipe!.HostPath!), pipeNameOf(hostPath), `${hostPath}: the document names that same pipe`);
    assert.doesNotThrow(() => emulatorAccepts(pipe!.HostPath!), hostPath);
    assert.throws(() => buildJobContainerDocument(jobSpec([mount!]), jobOpts), /named pipe mounts are not supported/, hostPath);
    const socket = hostPipeSocket(hostPath)!;
    assert.equal(hostPipeSocket(pipe!.HostPath!), socket, `${hostPath}: its canonical spelling finds the same socket`);
    assert.ok(Buffer.byteLength(socket) <= 107, `${socket}: fits a unix socket address`);
    assert.ok(!sockets.has(socket), `${hostPath} and ${sockets.get(socket)} share the socket ${socket}`);
    sockets.set(socket, hostPath);
  }
});

test('a socket file keeps only file-safe characters, and a long name fits a socket address beside any directory', () => {
  for (const dir of ['/s', `/${'d'.repeat(60)}/pipes`, `/${'d'.repeat(120)}`]) {
    const file = pipeSocketFile(`${long}\\x`, dir);
    assert.match(file, /^[a-z0-9A-F._%~-]+$/);
    assert.ok(file.endsWith(`%~${file.slice(-24)}`) && /^[0-9a-f]{24}$/.test(file.slice(-24)), file);
    // A directory leaving less room than a hashed name needs still gets one that short (its socket cannot be bound
    // anyway); any other fits the socket address.
    const room = 107 - Buffer.byteLength(dir) - 1;
    if (room >= 34) assert.ok(Buffer.byteLength(`${dir}/${file}`) <= 107, `${dir}/${file}`);
    else assert.equal(file.length, 34, `${dir}: the shortest hashed name`);
  }
  assert.notEqual(pipeSocketFile(`${long}a`, '/s'), pipeSocketFile(`${long}b`, '/s'));
  assert.equal(pipeSocketFile('Agent_1.sock', '/s'), 'agent_1.sock', 'a plain name is its own file, in lower case');
});
