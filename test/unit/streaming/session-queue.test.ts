/**
 * Streaming sessions beyond streaming.maxSessions wait (their handshake held) in a bounded queue: the waiting exec
 * runs once a session ends; a full queue is refused at once with 429, a wait past its deadline with 503; both keep
 * the token usable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpdyTestClient, isRefused, openRemoteCommand } from '../../helpers/streaming-client-spdy.js';
import { shellSession } from '../../helpers/streaming-session.js';
import { startServer, serverPoll } from './server-setup.js';
import { waitFor } from '../../helpers/wait-for.js';
import { V4 } from '../../../src/streaming/remotecommand/protocols.js';

test('maxSessions 1: a second exec waits and runs after the first ends; one more than the queue holds gets 429', async () => {
  const { srv, registry } = await startServer({ maxSessions: 1, maxQueuedSessions: 1 });
  try {
    const first = await SpdyTestClient.connect(srv.register(shellSession('cat', { stdin: true, stdout: true })), [V4]);
    assert.ok(!isRefused(first));
    await waitFor('the first session', () => srv.activeSessions === 1, serverPoll);
    const second = shellSession('echo second', { stdout: true });
    let started = false;
    second.started.then(() => { started = true; }, () => undefined);
    const run = openRemoteCommand(srv.register(second), { stdout: true }, [V4]);
    await waitFor('the second exec to queue', () => srv.queuedSessions === 1, serverPoll);
    const overflow = await SpdyTestClient.connect(srv.register(shellSession('true', {})), [V4]);
    assert.ok(isRefused(overflow) && overflow.status === 429, 'a full queue refuses at once');
    assert.equal(overflow.headers['retry-after'], '1');
    assert.match(overflow.body, /streaming\.maxQueuedSessions/);
    assert.equal(started, false, 'the queued exec does not run while the first session holds the slot');
    assert.equal(srv.activeSessions, 1);
    first.socket.destroy();
    const e = await run;
    await Promise.all([e.error.done, e.stdout?.done]);
    assert.equal(e.stdout?.text(), 'second\n', 'the queued exec ran once the first ended');
    assert.deepEqual(JSON.parse(e.error.text()), { metadata: {}, status: 'Success' });
    await waitFor('sessions over', () => srv.activeSessions === 0 && srv.queuedSessions === 0, serverPoll);
    assert.match(await registry.metrics(), /wincri_streaming_refused_requests_total\{reason="too_many_sessions"\} 1/);
  } finally {
    await srv.close();
  }
});

test('a queued session whose wait outlives sessionQueueMs gets 503; its URL still works once there is room', async () => {
  const { srv, registry } = await startServer({ maxSessions: 1, maxQueuedSessions: 4, sessionQueueMs: 300 });
  try {
    const first = await SpdyTestClient.connect(srv.register(shellSession('cat', { stdin: true, stdout: true })), [V4]);
    assert.ok(!isRefused(first));
    await waitFor('the first session', () => srv.activeSessions === 1, serverPoll);
    const url = srv.register(shellSession('true', {}));
    const late = await SpdyTestClient.connect(url, [V4]);
    assert.ok(isRefused(late) && late.status === 503, 'the wait ended with 503');
    assert.match(late.body, /streaming\.sessionQueueSeconds/);
    assert.equal(srv.queuedSessions, 0);
    first.socket.destroy();
    await waitFor('the first session gone', () => srv.activeSessions === 0, serverPoll);
    const again = await SpdyTestClient.connect(url, [V4]);
    assert.ok(!isRefused(again), 'the same URL works once there is room');
    again.close();
    assert.match(await registry.metrics(), /wincri_streaming_refused_requests_total\{reason="session_queue_timeout"\} 1/);
  } finally {
    await srv.close();
  }
});
