import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpdyTestClient, isRefused } from '../../helpers/streaming-client-spdy.js';
import { shellSession } from '../../helpers/streaming-session.js';
import { startServer, serverPoll } from './server-setup.js';
import { waitFor } from '../../helpers/wait-for.js';
import { V4, V5 } from '../../../src/streaming/remotecommand/protocols.js';
import { RST } from '../../../src/streaming/spdy/raw.js';

test('HTTP: unknown, reused and expired tokens get 404 and nothing runs; non-upgrade requests are refused', async () => {
  let now = 0;
  const { srv, registry } = await startServer({ now: () => now });
  try {
    const s = shellSession('true', { stdout: true });
    const url = srv.register(s);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\/[A-Za-z0-9_-]{8}$/);
    const unknown = await SpdyTestClient.connect(url.replace(/[^/]+$/, 'AAAAAAAA'), [V4]);
    assert.ok(isRefused(unknown) && unknown.status === 404);
    const wrongRoute = await SpdyTestClient.connect(url.replace('/exec/', '/portforward/'), [V4]);
    assert.ok(isRefused(wrongRoute) && wrongRoute.status === 404, 'a token only works on its own route');
    const first = await SpdyTestClient.connect(url, [V4]);
    assert.ok(!isRefused(first));
    first.close();
    const reused = await SpdyTestClient.connect(url, [V4]);
    assert.ok(isRefused(reused) && reused.status === 404);
    const late = shellSession('true', { stdout: true });
    const lateUrl = srv.register(late);
    now += 60_000;
    const expired = await SpdyTestClient.connect(lateUrl, [V4]);
    assert.ok(isRefused(expired) && expired.status === 404);
    let started = false;
    late.started.then(() => { started = true; }, () => {});
    await waitFor('sessions over', () => srv.activeSessions === 0, serverPoll);
    assert.equal(started, false, 'an expired token runs nothing');
    const plain = await fetch(srv.register(shellSession('true', {})));
    assert.equal(plain.status, 400);
    assert.match(await registry.metrics(), /wincri_streaming_refused_requests_total\{reason="not_found"\} 4/);
  } finally {
    await srv.close();
  }
});

test('HTTP: SPDY handshake without protocol → 400, no common protocol → 403 listing the accepted ones', async () => {
  const { srv } = await startServer();
  try {
    const none = await SpdyTestClient.connect(srv.register(shellSession('true', {})), []);
    assert.ok(isRefused(none) && none.status === 400);
    const v5 = await SpdyTestClient.connect(srv.register(shellSession('true', {})), [V5]);
    assert.ok(isRefused(v5) && v5.status === 403);
    assert.match(String(v5.headers['x-accepted-stream-protocol-versions']), /v4\.channel\.k8s\.io/);
  } finally {
    await srv.close();
  }
});

test('HTTP: over the session cap with no queue → 429 with Retry-After, and the token stays usable', async () => {
  const { srv, registry } = await startServer({ maxSessions: 1, maxQueuedSessions: 0 });
  try {
    const blocker = await SpdyTestClient.connect(srv.register(shellSession('true', { stdout: true })), [V4]);
    assert.ok(!isRefused(blocker));
    await waitFor('one session', () => srv.activeSessions === 1, serverPoll);
    const url = srv.register(shellSession('true', {}));
    const over = await SpdyTestClient.connect(url, [V4]);
    assert.ok(isRefused(over) && over.status === 429);
    assert.equal(over.headers['retry-after'], '1');
    assert.match(await registry.metrics(), /wincri_streaming_sessions_active\{kind="exec",transport="spdy"\} 1/);
    blocker.socket.destroy();
    await waitFor('blocker gone', () => srv.activeSessions === 0, serverPoll);
    const again = await SpdyTestClient.connect(url, [V4]);
    assert.ok(!isRefused(again), 'the same URL works once there is room');
    again.close();
  } finally {
    await srv.close();
  }
});

test('SPDY connection: PING echoed, even/non-increasing stream IDs reset, garbage closes only that connection', async () => {
  const { srv } = await startServer();
  try {
    const a = await SpdyTestClient.connect(srv.register(shellSession('cat', { stdin: true, stdout: true })), [V4]);
    const b = await SpdyTestClient.connect(srv.register(shellSession('cat', { stdin: true, stdout: true })), [V4]);
    assert.ok(!isRefused(a) && !isRefused(b));
    await a.ping();
    await a.open({ streamtype: ['error'] });
    const even = a.rawSyn(2, { streamtype: ['stdin'] });
    await even.done;
    assert.equal(even.resetStatus, RST.ProtocolError);
    const reused = a.rawSyn(1, { streamtype: ['stdin'] });
    await reused.done;
    assert.equal(reused.resetStatus, RST.ProtocolError);
    const odd = await a.open({ streamtype: ['bogus'] }).catch((e: Error) => e);
    assert.ok(odd instanceof Error && /refused/.test(odd.message), 'unknown stream type refused');
    // garbage: a control frame with SPDY version 2
    b.send(Buffer.from('8002000600000004000000ff', 'hex'));
    await b.closed;
    await a.ping();
    const stdin = await a.open({ streamtype: ['stdin'] });
    const stdout = await a.open({ streamtype: ['stdout'] });
    stdin.write('still here');
    stdin.end();
    await stdout.done;
    assert.equal(stdout.text(), 'still here');
    await a.closed;
  } finally {
    await srv.close();
  }
});

test('server close ends live sessions and closes their processes', async () => {
  const { srv } = await startServer();
  const s = shellSession('sleep 600', { stdout: true });
  const c = await SpdyTestClient.connect(srv.register(s), [V4]);
  assert.ok(!isRefused(c));
  await c.open({ streamtype: ['error'] });
  await c.open({ streamtype: ['stdout'] });
  await s.started;
  await srv.close();
  await c.closed;
  assert.equal(s.closeCalls, 1);
  await s.childExited;
});
