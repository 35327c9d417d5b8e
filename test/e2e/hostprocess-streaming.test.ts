/**
 * Streaming to a HostProcess container works as for any container: Exec over SPDY and WebSocket (stdin, stdout,
 * stderr, exit code, a TTY) runs in the job with its mount point and environment, Attach reaches the container's
 * own stdin/stdout, and PortForward to the HostProcess pod reaches a listener on the host network.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Daemon, call, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';
import { SpdyTestClient, isRefused, openRemoteCommand, attachAndEcho } from '../helpers/streaming-client-spdy.js';
import { WsTestClient } from '../helpers/streaming-client-ws.js';

const IMAGE = 'example.com/wincri/hpc-streaming:1.0';
const HOST_PROCESS = { securityContext: { hostProcess: true, runAsUsername: 'NT AUTHORITY\\SYSTEM' } };
let d: Daemon;
let pod = '';
let ctr = '';
let listener: Server;
let port = 0;

before(async () => {
  d = new Daemon('wincri-hpc-stream');
  await d.start();
  const tar = await buildWindowsImage({ dir: d.dir, names: [IMAGE], format: 'oci', layers: [{ 'tools/x.txt': 'from the image\n' }], config: { Cmd: ['sleep', '600'] } });
  const imageId = d.importImage(tar).split('\t')[0]!.trim();
  const config = podConfig('hpc-stream', join(d.logDir, 'hpc-stream'), { windows: HOST_PROCESS });
  mkdirSync(config.logDirectory, { recursive: true });
  pod = (await call(d.runtime, 'RunPodSandbox', { config })).podSandboxId;
  ctr = (await call(d.runtime, 'CreateContainer', {
    podSandboxId: pod, sandboxConfig: config,
    config: { metadata: { name: 'agent', attempt: 0 }, image: { image: imageId }, command: ['sh', '-c', 'echo started; exec cat'], stdin: true, logPath: 'agent.log', windows: HOST_PROCESS },
  })).containerId;
  await call(d.runtime, 'StartContainer', { containerId: ctr });
  listener = createServer((s) => s.end('pong-from-host\n'));
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
  port = (listener.address() as { port: number }).port;
});

after(async () => {
  listener?.close();
  await d?.destroy();
});

test('HostProcess Exec over SPDY: stdout and stderr from the job at its mount point, the exit code in the status', async () => {
  const { url } = await call(d.runtime, 'Exec', {
    containerId: ctr, cmd: ['sh', '-c', 'echo "mp=$CONTAINER_SANDBOX_MOUNT_POINT"; cat tools/x.txt; echo err >&2; exit 3'], stdout: true, stderr: true,
  });
  const { c, error, stdout, stderr } = await openRemoteCommand(url, { stdout: true, stderr: true });
  await Promise.all([error.done, stdout!.done, stderr!.done]);
  assert.equal(stdout!.text(), 'mp=C:\\hpc\\\nfrom the image\n');
  assert.equal(stderr!.text(), 'err\n');
  assert.deepEqual(JSON.parse(error.text()).details.causes, [{ reason: 'ExitCode', message: '3' }]);
  c.close();
});

test('HostProcess Exec over WebSocket: stdin reaches the process; with a TTY the process has a terminal', async () => {
  const { url } = await call(d.runtime, 'Exec', { containerId: ctr, cmd: ['cat'], stdin: true, stdout: true, stderr: true });
  const ws = await WsTestClient.connect(url, ['v5.channel.k8s.io']);
  ws.send(0, 'hello hpc\n');
  ws.closeChannel(0);
  await ws.closed;
  assert.equal(ws.text(1), 'hello hpc\n');
  assert.equal(JSON.parse(ws.text(3)).status, 'Success');

  // A short-lived TTY process: its output must not be lost when it ends at once (ten times, so a race shows).
  for (let i = 0; i < 10; i++) {
    const tty = (await call(d.runtime, 'Exec', { containerId: ctr, cmd: ['sh', '-c', `test -t 1 && echo is-a-tty-${i}`], tty: true, stdout: true })).url;
    const t = await WsTestClient.connect(tty, ['v5.channel.k8s.io']);
    await t.closed;
    assert.equal(t.text(1), `is-a-tty-${i}\r\n`, `status: ${t.text(3)}`);
    assert.equal(JSON.parse(t.text(3)).status, 'Success');
  }
});

test('HostProcess Attach: the container\'s own stdin and live stdout', async () => {
  const { url } = await call(d.runtime, 'Attach', { containerId: ctr, stdin: true, stdout: true, stderr: true });
  await attachAndEcho(url, 'ping-hpc'); // resolves once the container's stdout shows the line written to its stdin
});

test('HostProcess PortForward: the pod is on the host network, a host listener answers', async () => {
  const { url } = await call(d.runtime, 'PortForward', { podSandboxId: pod, port: [] });
  const c = await SpdyTestClient.connect(url, ['portforward.k8s.io']);
  assert.ok(!isRefused(c));
  await c.open({ streamtype: ['error'], port: [String(port)], requestid: ['0'] }, true);
  const data = await c.open({ streamtype: ['data'], port: [String(port)], requestid: ['0'] });
  await data.done;
  assert.equal(data.text(), 'pong-from-host\n');
  c.close();
});
