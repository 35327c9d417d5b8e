import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { openRemoteCommand, type ClientStream } from '../../helpers/streaming-client-spdy.js';
import { shellSession, customSession, type Flags, type RecordingSession } from '../../helpers/streaming-session.js';
import { startServer, serverPoll } from './server-setup.js';
import { waitFor } from '../../helpers/wait-for.js';
import { V1, V2, V3, V4, V5 } from '../../../src/streaming/remotecommand/protocols.js';

const CLIENT_GO = [V5, V4, V3, V2, V1];

/** Does what client-go's streamProtocolV4 does (openRemoteCommand), then writes and closes `opts.stdin`. */
async function exec(url: string, f: Flags, opts: { stdin?: string; protocols?: string[] } = {}) {
  const e = await openRemoteCommand(url, f, opts.protocols ?? CLIENT_GO);
  if (e.stdin && opts.stdin !== undefined) { e.stdin.write(opts.stdin); e.stdin.end(); }
  return e;
}

async function outcome(e: Awaited<ReturnType<typeof exec>>) {
  await Promise.all([e.error.done, e.stdout?.done, e.stderr?.done]);
  await e.c.closed;
  return { status: e.error.text(), stdout: e.stdout?.text(), stderr: e.stderr?.text() };
}

test('SPDY exec: client-go negotiation gets v4; exit 0 → Success; exit 3 → NonZeroExitCode with ExitCode "3"', async () => {
  const { srv } = await startServer();
  try {
    const ok = shellSession('echo out; echo err >&2', { stdout: true, stderr: true });
    const e1 = await exec(srv.register(ok), { stdout: true, stderr: true });
    assert.equal(e1.c.protocol, V4);
    const r1 = await outcome(e1);
    assert.deepEqual(JSON.parse(r1.status), { metadata: {}, status: 'Success' });
    assert.equal(r1.stdout, 'out\n');
    assert.equal(r1.stderr, 'err\n');
    assert.equal(ok.closeCalls, 1);

    const fail = shellSession('echo bye >&2; exit 3', { stdout: true, stderr: true });
    const r2 = await outcome(await exec(srv.register(fail), { stdout: true, stderr: true }));
    const st = JSON.parse(r2.status);
    assert.equal(st.reason, 'NonZeroExitCode');
    assert.deepEqual(st.details.causes, [{ reason: 'ExitCode', message: '3' }]);
    assert.equal(r2.stderr, 'bye\n');
  } finally {
    await srv.close();
  }
});

test('SPDY exec: v1–v3 report failures as plain text and nothing on success', async () => {
  const { srv } = await startServer();
  try {
    for (const p of [V3, V2, V1]) {
      const r = await outcome(await exec(srv.register(shellSession('exit 5', { stdout: true })), { stdout: true }, { protocols: [p] }));
      assert.equal(r.status, 'command terminated with non-zero exit code: exit status 5', p);
      const ok = await outcome(await exec(srv.register(shellSession('true', { stdout: true })), { stdout: true }, { protocols: [p] }));
      assert.equal(ok.status, '', p);
    }
  } finally {
    await srv.close();
  }
});

test('SPDY exec: stdin half-close ends the process stdin (cat finishes), a failed start is an InternalError', async () => {
  const { srv } = await startServer();
  try {
    const r = await outcome(await exec(srv.register(shellSession('cat', { stdin: true, stdout: true })), { stdin: true, stdout: true }, { stdin: 'hello\nworld\n' }));
    assert.equal(r.stdout, 'hello\nworld\n');
    assert.equal(JSON.parse(r.status).status, 'Success');

    const broken = customSession({ stdout: true }, 'exec', () => { throw new Error('container c0ffee is not running'); });
    const b = await outcome(await exec(srv.register(broken), { stdout: true }));
    const st = JSON.parse(b.status);
    assert.equal(st.reason, 'InternalError');
    assert.match(st.message, /container c0ffee is not running/);
  } finally {
    await srv.close();
  }
});

test('SPDY exec: TTY resize messages reach the session (sizes < 1 dropped); attach reports Success', async () => {
  const { srv } = await startServer();
  try {
    const s = shellSession('cat', { stdin: true, stdout: true, tty: true }, 'attach');
    const e = await exec(srv.register(s), { stdin: true, stdout: true, tty: true });
    e.resize!.write('{"Width":80,"Height":24}\n{"Width":0,"Height":5}\n');
    e.resize!.write('{"width":132,"height":43}\n');
    await waitFor('two resizes', () => s.resizes.length === 2, serverPoll);
    assert.deepEqual(s.resizes, [[80, 24], [132, 43]]);
    e.stdin!.write('x');
    e.stdin!.end();
    const r = await outcome(e);
    assert.equal(r.stdout, 'x');
    assert.equal(JSON.parse(r.status).status, 'Success');
  } finally {
    await srv.close();
  }
});

test('SPDY exec: 100 MB through a slow client arrive intact while the server buffers a bounded amount', async () => {
  const TOTAL = 100 * 1024 * 1024;
  let produced = 0;
  let received = 0;
  let maxAhead = 0;
  const sent = createHash('sha256');
  const s = customSession({ stdout: true }, 'exec', () => {
    let seed = 1;
    const stdout = new Readable({
      read() {
        if (produced >= TOTAL) { this.push(null); return; }
        const b = Buffer.allocUnsafe(Math.min(64 * 1024, TOTAL - produced));
        for (let i = 0; i < b.length; i += 4) { seed = (seed * 1103515245 + 12345) >>> 0; b.writeUInt32LE(seed, i); }
        produced += b.length;
        maxAhead = Math.max(maxAhead, produced - received);
        sent.update(b);
        this.push(b);
      },
    });
    let done!: (v: { exitCode: number }) => void;
    const exited = new Promise<{ exitCode: number }>((r) => { done = r; });
    stdout.on('end', () => done({ exitCode: 0 }));
    return { stdout, exited, kill: async () => { stdout.destroy(); } };
  });
  const { srv } = await startServer();
  try {
    const e = await exec(srv.register(s), { stdout: true });
    const got = createHash('sha256');
    e.stdout!.collect = false;
    for (const b of e.stdout!.chunks.splice(0)) { got.update(b); received += b.length; } // arrived with the reply
    e.stdout!.on('data', (b: Buffer) => {
      got.update(b);
      received += b.length;
      // a slow reader: the socket is paused after every chunk and resumed on a later turn of the event loop
      e.c.socket.pause();
      setImmediate(() => e.c.socket.resume());
    });
    const r = await outcome(e);
    assert.equal(JSON.parse(r.status).status, 'Success');
    assert.equal(received, TOTAL);
    assert.equal(got.digest('hex'), sent.digest('hex'));
    // what the producer got ahead of the client is bounded by socket buffers (kernel + a few frames), not 100 MB
    assert.ok(maxAhead < 24 * 1024 * 1024, `producer ran ${maxAhead} bytes ahead of the client`);
  } finally {
    await srv.close();
  }
});

test('SPDY exec: a client killed mid-stream closes the session and leaves no process or socket', async () => {
  const { srv } = await startServer();
  try {
    const s = shellSession('while :; do echo tick; sleep 0.05; done', { stdout: true });
    const e = await exec(srv.register(s), { stdout: true });
    await new Promise((r) => e.stdout!.once('data', r));
    e.c.socket.destroy();
    await waitFor('session closed', () => s.closeCalls === 1 && srv.activeSessions === 0, serverPoll);
    await s.childExited;
    assert.notEqual(s.child!.exitCode ?? s.child!.signalCode, null, 'child process is gone');
  } finally {
    await srv.close();
  }
});

test('SPDY exec: 50 concurrent sessions', async () => {
  const { srv } = await startServer();
  try {
    const results = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
      const r = await outcome(await exec(srv.register(shellSession(`echo ${i}; exit ${i % 3}`, { stdout: true })), { stdout: true }));
      return [r.stdout, JSON.parse(r.status).status];
    }));
    results.forEach(([out, status], i) => {
      assert.equal(out, `${i}\n`);
      assert.equal(status, i % 3 === 0 ? 'Success' : 'Failure');
    });
    await waitFor('all sessions over', () => srv.activeSessions === 0, serverPoll);
  } finally {
    await srv.close();
  }
});

export type { ClientStream, RecordingSession };
