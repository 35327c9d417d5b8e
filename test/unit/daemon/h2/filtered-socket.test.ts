/** The Duplex injected in place of the socket: backpressure, half-close both ways, destroy and malformed input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilteredSocket } from '../../../../src/daemon/h2/filtered-socket.js';
import { FrameType, PREFACE } from '../../../../src/daemon/h2/frames.js';
import { frame, parseFrames, settingsFrame } from '../../../helpers/h2.js';
import { HpackEncoder } from '../../../../src/daemon/h2/hpack.js';
import { waitFor } from '../../../helpers/wait-for.js';

interface Conn {
  client: net.Socket;
  server: net.Socket;
  /** The FilteredSocket standing for `server`. */
  f: FilteredSocket;
}

/**
 * A connected pair of sockets on a fresh unix socket, `server` (the accepted side, half-open allowed) wrapped in a
 * FilteredSocket; runs `body` on it and tears all of it down afterwards, whatever `body` did.
 */
async function withConn(body: (c: Conn) => Promise<void>, opts: { highWaterMark?: number } = {}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'filtered-socket-'));
  const srv = net.createServer({ allowHalfOpen: true, ...opts });
  let client: net.Socket | undefined;
  let f: FilteredSocket | undefined;
  try {
    await new Promise<void>((r) => srv.listen(join(dir, 's.sock'), r));
    const accepted = once(srv, 'connection');
    client = net.connect({ path: join(dir, 's.sock'), allowHalfOpen: true });
    const [server] = (await accepted) as [net.Socket];
    f = new FilteredSocket(server);
    await body({ client, server, f });
  } finally {
    f?.destroy();
    client?.destroy();
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('backpressure: a consumer that stops reading pauses the socket; reading again gets every byte in order', async () => {
  await withConn(async ({ client, server, f }) => {
    const payload = Buffer.alloc(16384, 7);
    const frames = Buffer.concat(Array.from({ length: 200 }, (_, i) => frame(FrameType.DATA, 0, 1 + 2 * (i % 5), payload)));
    const sent = Buffer.concat([PREFACE, settingsFrame(), frames]);
    client.end(sent);
    await waitFor('the socket paused', () => server.isPaused(), { intervalMs: 5 });
    const got: Buffer[] = [];
    f.on('data', (c: Buffer) => got.push(c));
    await once(f, 'end');
    assert.deepEqual(Buffer.concat(got), sent);
  });
});

test('half-close both ways', async () => {
  await withConn(async ({ client, f }) => {
    f.resume();
    client.write(PREFACE);
    client.end();
    await once(f, 'end');
    f.end(Buffer.from('bye'));
    const chunks: Buffer[] = [];
    client.on('data', (c: Buffer) => chunks.push(c));
    await once(client, 'end');
    assert.equal(Buffer.concat(chunks).toString(), 'bye');
  });
});

test('malformed input destroys the connection', async () => {
  await withConn(async ({ client, server, f }) => {
    f.resume();
    client.resume();
    client.write('GET / HTTP/1.1\r\n\r\n');
    await Promise.all([once(f, 'close'), once(client, 'end')]);
    assert.ok(server.destroyed);
  });
});

test('a socket error (the client hung up) closes the Duplex without an error (see filtered-socket-error.test.ts)', async () => {
  await withConn(async ({ server, f }) => {
    const errors: Error[] = [];
    f.on('error', (e) => errors.push(e));
    server.destroy(new Error('boom'));
    await once(f, 'close');
    assert.ok(f.destroyed);
    assert.deepEqual(errors, []);
  });
});

test('destroying the Duplex (what http2 does when a session ends) closes the socket', async () => {
  await withConn(async ({ client, server, f }) => {
    client.resume();
    const clientEnded = once(client, 'end');
    f.destroy();
    await Promise.all([clientEnded, once(server, 'close')]);
  });
});

/** Counts the socket writes `sock` makes (each _write or _writev is one write to the kernel) and what they carry. */
function spyWrites(sock: net.Socket): Buffer[] {
  const writes: Buffer[] = [];
  const s = sock as unknown as { _write: (c: Buffer, e: string, cb: () => void) => void; _writev: (cs: { chunk: Buffer }[], cb: () => void) => void };
  const w = s._write.bind(sock);
  const wv = s._writev.bind(sock);
  s._write = (c, e, cb) => { writes.push(Buffer.from(c)); w(c, e, cb); };
  s._writev = (cs, cb) => { writes.push(Buffer.concat(cs.map((x) => x.chunk))); wv(cs, cb); };
  return writes;
}

async function received(client: net.Socket, n: number): Promise<Buffer> {
  const got: Buffer[] = [];
  let len = 0;
  return new Promise((r) => client.on('data', (c: Buffer) => { got.push(c); len += c.length; if (len >= n) r(Buffer.concat(got)); }));
}

test('what the session writes at once (the adapter corks around one native write) leaves in one socket write', async () => {
  await withConn(async ({ client, server, f }) => {
    f.resume();
    const writes = spyWrites(server);
    const parts = [Buffer.from('head'), Buffer.from('data'.repeat(100)), Buffer.from('tail')];
    const got = received(client, 408);
    f.cork();
    for (const p of parts) f.write(p);
    f.uncork();
    assert.deepEqual(await got, Buffer.concat(parts));
    assert.equal(writes.length, 1, `${writes.length} socket writes`);
  });
});

test('a client read reaches the session as one chunk, rewritten header block included', async () => {
  await withConn(async ({ client, f }) => {
    const chunks: Buffer[] = [];
    f.on('data', (c: Buffer) => chunks.push(c));
    const enc = new HpackEncoder();
    const block = enc.encode([[':method', 'POST'], [':scheme', 'http'], [':path', '/runtime.v1.RuntimeService/Version'], [':authority', '/run/wincri.sock'], ['te', 'trailers']]);
    client.write(Buffer.concat([PREFACE, settingsFrame(), frame(FrameType.HEADERS, 0x4, 1, block), frame(FrameType.DATA, 0x1, 1, Buffer.alloc(5))]));
    await waitFor('the header block rewritten', () => f.authority.rewrites === 1, { intervalMs: 5 });
    await new Promise((r) => setImmediate(r));
    assert.equal(chunks.length, 1, `${chunks.length} chunks`);
    const frames = parseFrames(chunks[0]!.subarray(PREFACE.length)).frames;
    assert.deepEqual(frames.map((x) => x.type), [FrameType.SETTINGS, FrameType.HEADERS, FrameType.DATA]);
  });
});

test('client PINGs: passed to the session before its first write; then answered here, the ACK leaving with its next write', async () => {
  await withConn(async ({ client, server, f }) => {
    const seen: Buffer[] = [];
    const writes = spyWrites(server);
    const ping = (p: string): Buffer => frame(FrameType.PING, 0, 0, Buffer.from(p));
    // before the session has written (its SETTINGS is the server's preface): the session answers
    const early = new Promise<void>((r) => f.on('data', (c: Buffer) => { seen.push(c); if (Buffer.concat(seen).includes(Buffer.from('early000'))) r(); }));
    client.write(Buffer.concat([PREFACE, settingsFrame(), ping('early000')]));
    await early;
    f.removeAllListeners('data');
    const serverSettings = settingsFrame();
    f.write(serverSettings);
    // a request's DATA and a PING in one read: the session gets the DATA only; its answer carries the ACK
    const answer = Buffer.from('the answer');
    const data = frame(FrameType.DATA, 0x1, 1, Buffer.alloc(5));
    f.once('data', (c: Buffer) => { assert.deepEqual(c, data); f.write(answer); });
    const got = received(client, serverSettings.length + 17 + answer.length);
    client.write(Buffer.concat([data, ping('bdp-0001')]));
    const bytes = await got;
    const ack = frame(FrameType.PING, 0x1, 0, Buffer.from('bdp-0001'));
    assert.deepEqual(bytes, Buffer.concat([serverSettings, ack, answer]));
    assert.deepEqual(writes.map((w) => w.length), [serverSettings.length, ack.length + answer.length], 'the ACK and the answer in one socket write');
    // with nothing written after it, the ACK still leaves (at the next turn of the loop)
    const alone = received(client, 17);
    client.write(ping('alone001'));
    assert.deepEqual(await alone, frame(FrameType.PING, 0x1, 0, Buffer.from('alone001')));
  });
});

test('a client PING after the session ended its side (graceful close, client FIN still to come) is not answered: no write after end', async () => {
  await withConn(async ({ client, server, f }) => {
    const errors: Error[] = [];
    f.on('error', (e) => errors.push(e));
    server.on('error', (e) => errors.push(e));
    const ping = frame(FrameType.PING, 0, 0, Buffer.from('late0001'));
    const early = new Promise<void>((r) => f.once('data', () => r()));
    client.write(Buffer.concat([PREFACE, settingsFrame()]));
    await early;
    const got: Buffer[] = [];
    client.on('data', (c: Buffer) => got.push(c));
    const clientEnded = once(client, 'end');
    // the session's last write (its GOAWAY), then its end: http2's graceful session.close()
    const last = Buffer.from('goaway');
    f.end(last);
    await clientEnded;
    assert.ok(server.writableEnded);
    // the half-open socket still reads: a PING arrives before the client's FIN
    const passed = new Promise<Buffer | 'closed'>((r) => {
      f.on('data', (c: Buffer) => { if (c.includes(Buffer.from('late0001'))) r(c); });
      f.on('close', () => r('closed'));
  });
  client.write(ping);
  assert.deepEqual(await passed, ping, `handed to the session, not answered after end (errors: ${errors.map((e) => e.message).join('; ')})`);
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(errors, []);
  assert.ok(!f.destroyed, 'the graceful close stays graceful');
  assert.deepEqual(Buffer.concat(got), last, 'nothing written after end');
  client.end();
  await once(f, 'end');
  });
});

test('a PING flood in one read: past nghttp2\'s outbound-ACK limit the PINGs go to the session (its flood protection applies)', async () => {
  // a write buffer large enough that backpressure (which also hands PINGs on) does not set in before the limit
  await withConn(async ({ client, server, f }) => {
    const toSession: Buffer[] = [];
    const early = new Promise<void>((r) => f.once('data', () => r()));
    client.write(Buffer.concat([PREFACE, settingsFrame()]));
    await early;
    f.on('data', (c: Buffer) => toSession.push(c));
    const serverSettings = settingsFrame();
    f.write(serverSettings);
    const fromServer: Buffer[] = [];
    client.on('data', (c: Buffer) => fromServer.push(c));
    await waitFor('the server\'s SETTINGS', () => Buffer.concat(fromServer).length === serverSettings.length);
    // the whole burst buffered before it is read, so it reaches the filter in one turn of the loop
    const n = 1500;
    const burst = Buffer.concat(Array.from({ length: n }, (_, i) => frame(FrameType.PING, 0, 0, Buffer.from(String(i).padStart(8, '0')))));
    server.pause();
    client.write(burst);
    await waitFor('the burst in the socket\'s buffer', () => server.readableLength === burst.length);
    server.resume();
    const pings = (bufs: Buffer[], flags: number): number => parseFrames(Buffer.concat(bufs)).frames.filter((x) => x.type === FrameType.PING && x.flags === flags).length;
    await waitFor('every PING answered or handed on', () => pings(fromServer.slice(), 0x1) + pings(toSession, 0) === n);
    assert.equal(pings(toSession, 0), n - 1000, 'the PINGs past 1000 reach the session');
    assert.equal(pings(fromServer, 0x1), 1000);
  }, { highWaterMark: 1 << 20 });
});
