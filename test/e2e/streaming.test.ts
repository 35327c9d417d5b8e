/**
 * Exec, attach and port-forward end to end: the CRI RPC on the real daemon returns a URL on its streaming server,
 * and a SPDY client (as client-go / kubelet speak it) or a WebSocket client (as crictl --transport websocket)
 * drives the session; bad requests get the right gRPC codes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import { Daemon, call, expectCode, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';
import { SpdyTestClient, isRefused, openRemoteCommand, attachAndEcho } from '../helpers/streaming-client-spdy.js';
import { WsTestClient } from '../helpers/streaming-client-ws.js';

const IMAGE = 'example.com/wincri/streaming:1.0';
let d: Daemon;
let imageId = '';
let pod = '';
let ctr = '';

before(async () => {
  d = new Daemon();
  await d.start();
  const tar = await buildWindowsImage({ dir: d.dir, names: [IMAGE], format: 'oci', layers: [{ 'app/x.txt': 'x\n' }], config: { Cmd: ['sleep', '600'] } });
  imageId = d.importImage(tar).split('\t')[0]!.trim();
  const config = podConfig('streaming', join(d.logDir, 'streaming'));
  mkdirSync(config.logDirectory, { recursive: true });
  pod = (await call(d.runtime, 'RunPodSandbox', { config })).podSandboxId;
  ctr = (await call(d.runtime, 'CreateContainer', {
    podSandboxId: pod, sandboxConfig: config,
    config: { metadata: { name: 'shell', attempt: 0 }, image: { image: imageId }, command: ['sh', '-c', 'echo started; exec cat'], stdin: true, logPath: 'shell.log' },
  })).containerId;
  await call(d.runtime, 'StartContainer', { containerId: ctr });
});

after(async () => { await d?.destroy(); });

test('Exec over SPDY (client-go offers v5..v1, gets v4): stdout, stderr, exit code in the v4 status', async () => {
  const { url } = await call(d.runtime, 'Exec', { containerId: ctr, cmd: ['sh', '-c', 'echo out; echo err >&2; exit 3'], stdout: true, stderr: true });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\/[A-Za-z0-9_-]+$/);
  const { c, error, stdout, stderr } = await openRemoteCommand(url, { stdout: true, stderr: true },
    ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io']);
  assert.equal(c.protocol, 'v4.channel.k8s.io');
  await Promise.all([error.done, stdout!.done, stderr!.done]);
  assert.equal(stdout!.text(), 'out\n');
  assert.equal(stderr!.text(), 'err\n');
  const st = JSON.parse(error.text());
  assert.equal(st.status, 'Failure');
  assert.equal(st.reason, 'NonZeroExitCode');
  assert.deepEqual(st.details.causes, [{ reason: 'ExitCode', message: '3' }]);
  c.close();
  // The URL was single use.
  const again = await SpdyTestClient.connect(url, ['v4.channel.k8s.io']);
  assert.ok(isRefused(again) && again.status === 404);
});

test('Exec over WebSocket v5 (crictl --transport websocket): stdin, CLOSE signal ends cat, Success status', async () => {
  const { url } = await call(d.runtime, 'Exec', { containerId: ctr, cmd: ['cat'], stdin: true, stdout: true, stderr: true });
  const ws = await WsTestClient.connect(url, ['v5.channel.k8s.io']);
  ws.send(0, 'hello through websocket\n');
  ws.closeChannel(0);
  await ws.closed;
  assert.equal(ws.text(1), 'hello through websocket\n');
  assert.equal(JSON.parse(ws.text(3)).status, 'Success');
});

test('Attach over SPDY sees live output and writes the container stdin', async () => {
  const { url } = await call(d.runtime, 'Attach', { containerId: ctr, stdin: true, stdout: true, stderr: true });
  const stdout = await attachAndEcho(url, 'ping-attach');
  assert.ok(!stdout.text().includes('started'), 'output logged before the attach is not replayed');
});

test('PortForward over SPDY reaches a listener in the pod; a closed port reports an error on its error stream', async () => {
  const server = (await call(d.runtime, 'CreateContainer', {
    podSandboxId: pod, sandboxConfig: podConfig('streaming', join(d.logDir, 'streaming')),
    config: { metadata: { name: 'web', attempt: 0 }, image: { image: imageId }, logPath: 'web.log',
      command: ['node', '-e', "require('net').createServer((s)=>s.end('pong-from-pod\\n')).listen(18080)"] },
  })).containerId;
  await call(d.runtime, 'StartContainer', { containerId: server });
  const { url } = await call(d.runtime, 'PortForward', { podSandboxId: pod, port: [] });
  const c = await SpdyTestClient.connect(url, ['portforward.k8s.io']);
  assert.ok(!isRefused(c));
  let reply = '';
  for (let i = 0; i < 100 && !reply.includes('pong-from-pod'); i++) {
    const error = await c.open({ streamtype: ['error'], port: ['18080'], requestid: [String(i)] }, true);
    const data = await c.open({ streamtype: ['data'], port: ['18080'], requestid: [String(i)] });
    await Promise.race([data.done, error.done.then(() => data.done)]);
    reply = data.text();
    if (!reply) await new Promise((r) => setTimeout(r, 100)); // the server in the pod may not listen yet
  }
  assert.equal(reply, 'pong-from-pod\n');
  const error = await c.open({ streamtype: ['error'], port: ['1'], requestid: ['closed'] }, true);
  await c.open({ streamtype: ['data'], port: ['1'], requestid: ['closed'] });
  await error.done;
  assert.match(error.text(), /1/);
  c.close();
});

test('Exec/Attach/PortForward errors: unknown container NotFound, tty with stderr InvalidArgument, no stream InvalidArgument', async () => {
  await expectCode(call(d.runtime, 'Exec', { containerId: 'nosuch', cmd: ['true'], stdout: true }), Status.NOT_FOUND);
  await expectCode(call(d.runtime, 'Exec', { containerId: ctr, cmd: ['true'], tty: true, stdout: true, stderr: true }), Status.INVALID_ARGUMENT);
  await expectCode(call(d.runtime, 'Exec', { containerId: ctr, cmd: ['true'] }), Status.INVALID_ARGUMENT);
  await expectCode(call(d.runtime, 'Attach', { containerId: 'nosuch', stdout: true }), Status.NOT_FOUND);
  await expectCode(call(d.runtime, 'PortForward', { podSandboxId: 'nosuch' }), Status.NOT_FOUND);
});
