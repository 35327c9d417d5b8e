/**
 * Named pipe mounts end to end on the emulator, over the real daemon socket: a CRI mount whose host path is
 * `\\.\pipe\<name>` becomes a MappedPipe, and a process in the container reaches the host-side pipe under its
 * container name. The emulator's host pipe `\\.\pipe\<name>` is the socket `<emulator state>/pipes/<name>`; inside
 * the container it is `C:\run\pipe\<name>` (emulator service/pipes.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Daemon, call, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';

const IMAGE = 'example.com/wincri/pipes:1.0';
let d: Daemon;
let imageId = '';
let server: Server | undefined;
const seen: string[] = [];

before(async () => {
  d = new Daemon('wincri-pipes');
  await d.start();
  const tar = await buildWindowsImage({ dir: d.dir, names: [IMAGE], format: 'oci', layers: [{ 'app/x.txt': 'x\n' }], config: { Cmd: ['tail', '-f', '/dev/null'] } });
  imageId = d.importImage(tar).split('\t')[0]!.trim();
  // The host side of \\.\pipe\wincri-e2e-agent: a server answering each request.
  const dir = join(d.root, 'emulator', 'pipes');
  mkdirSync(dir, { recursive: true });
  server = createServer((sock) => sock.on('data', (b) => { seen.push(b.toString()); sock.end(`agent:${b.toString()}`); }));
  await new Promise<void>((r) => server!.listen(join(dir, 'wincri-e2e-agent'), r));
});

after(async () => {
  server?.close();
  await d?.destroy();
});

test('a container reaches a host named pipe mounted at \\\\.\\pipe\\agent', async () => {
  const config = podConfig('pipes', join(d.logDir, 'pipes'));
  mkdirSync(join(config.logDirectory, 'c'), { recursive: true });
  const { podSandboxId } = await call(d.runtime, 'RunPodSandbox', { config });
  const { containerId } = await call(d.runtime, 'CreateContainer', {
    podSandboxId, sandboxConfig: config,
    config: {
      metadata: { name: 'c', attempt: 0 }, image: { image: imageId }, command: ['sh', '-c', 'exec sleep 1000'], logPath: 'c/0.log',
      mounts: [{ hostPath: '\\\\.\\pipe\\wincri-e2e-agent', containerPath: '\\\\.\\pipe\\agent' }],
    },
  });
  await call(d.runtime, 'StartContainer', { containerId });
  // Relative to C:\, the container's working directory, so the command is the same isolated or not.
  const r = await call(d.runtime, 'ExecSync', { containerId, cmd: ['sh', '-c', 'printf hello | nc -U -N run/pipe/agent'], timeout: 20 });
  assert.equal(r.exitCode, 0, Buffer.from(r.stderr).toString());
  assert.equal(Buffer.from(r.stdout).toString(), 'agent:hello');
  assert.deepEqual(seen, ['hello']);
  await call(d.runtime, 'StopPodSandbox', { podSandboxId });
  await call(d.runtime, 'RemovePodSandbox', { podSandboxId });
});
