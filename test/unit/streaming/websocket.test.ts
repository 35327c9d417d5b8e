import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { rawWebSocket } from '../../helpers/ws-raw.js';
import { WsTestClient } from '../../helpers/streaming-client-ws.js';
import { SpdyTestClient } from '../../helpers/streaming-client-spdy.js';
import { shellSession, portForwardSession } from '../../helpers/streaming-session.js';
import { startServer, serverPoll } from './server-setup.js';
import { waitFor } from '../../helpers/wait-for.js';

test('WebSocket exec v5 (crictl): readiness message, stdin CLOSE signal ends cat, JSON status on channel 3', async () => {
  const { srv } = await startServer();
  try {
    const s = shellSession('cat; echo done >&2; exit 4', { stdin: true, stdout: true, stderr: true });
    const c = await WsTestClient.connect(srv.register(s), ['v5.channel.k8s.io']);
    assert.equal(c.ws.protocol, 'v5.channel.k8s.io');
    c.send(0, 'abc');
    c.closeChannel(0);
    const { code } = await c.closed;
    assert.equal(code, 1000);
    assert.deepEqual([...c.messages[0]!], [1], 'first message: empty, on stdout');
    assert.equal(c.text(1), 'abc');
    assert.equal(c.text(2), 'done\n');
    const st = JSON.parse(c.text(3));
    assert.equal(st.reason, 'NonZeroExitCode');
    assert.deepEqual(st.details.causes, [{ reason: 'ExitCode', message: '4' }]);
    assert.equal(s.closeCalls, 1);
  } finally {
    await srv.close();
  }
});

test('WebSocket exec v4 base64 and v1 (no subprotocol): TTY resize on channel 4, text status for v1', async () => {
  const { srv } = await startServer();
  try {
    const s = shellSession('read line; echo "got $line"', { stdin: true, stdout: true, tty: true });
    const c = await WsTestClient.connect(srv.register(s), ['v4.base64.channel.k8s.io']);
    assert.ok(c.base64);
    c.send(4, '{"Width":100,"Height":30}\n');
    await waitFor('resize', () => s.resizes.length === 1, serverPoll);
    assert.deepEqual(s.resizes, [[100, 30]]);
    c.send(0, 'x\n');
    await c.closed;
    assert.equal(c.text(1), 'got x\n');
    assert.equal(JSON.parse(c.text(3)).status, 'Success');

    const v1 = await WsTestClient.connect(srv.register(shellSession('exit 2', { stdout: true })), []);
    await v1.closed;
    assert.equal(v1.text(3), 'command terminated with non-zero exit code: exit status 2');
  } finally {
    await srv.close();
  }
});

test('WebSocket: an unsupported subprotocol is refused; a client that disappears closes the session', async () => {
  const { srv } = await startServer();
  try {
    await assert.rejects(WsTestClient.connect(srv.register(shellSession('true', {})), ['v9.channel.k8s.io']), /HTTP 400/);
    const s = shellSession('sleep 600', { stdout: true });
    const c = await WsTestClient.connect(srv.register(s), ['v5.channel.k8s.io']);
    await s.started;
    c.ws.terminate();
    await waitFor('closed', () => s.closeCalls === 1 && srv.activeSessions === 0, serverPoll);
    await s.childExited;
  } finally {
    await srv.close();
  }
});

test('WebSocket port-forward tunnel (SPDY/3.1+portforward.k8s.io): SPDY frames inside binary messages', async () => {
  const target = net.createServer({ allowHalfOpen: true }, (sock) => sock.pipe(sock));
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const port = (target.address() as AddressInfo).port;
  const { srv } = await startServer();
  try {
    const url = srv.register(portForwardSession([], (p) => new Promise((resolve, reject) => {
      const s = net.connect({ port: p, host: '127.0.0.1', allowHalfOpen: true });
      s.once('connect', () => resolve(s)).once('error', reject);
    })));
    // offered exactly as client-go's tunnelling dialer does (the ws client refuses '/' in a subprotocol)
    const { stream, protocol } = await rawWebSocket(url, 'SPDY/3.1+portforward.k8s.io');
    assert.equal(protocol, 'SPDY/3.1+portforward.k8s.io');
    const c = SpdyTestClient.over(stream, 'portforward.k8s.io');
    await c.ping();
    const error = await c.open({ streamtype: ['error'], port: [String(port)], requestid: ['0'] });
    error.end();
    const data = await c.open({ streamtype: ['data'], port: [String(port)], requestid: ['0'] });
    data.write('through the tunnel');
    data.end();
    await data.done;
    assert.equal(data.text(), 'through the tunnel');
    stream.end();
    await waitFor('released', () => srv.activeSessions === 0, serverPoll);
  } finally {
    await srv.close();
    target.close();
  }
});
