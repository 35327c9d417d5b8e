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
import { frame, settingsFrame } from '../../../helpers/h2.js';

async function pair(): Promise<{ client: net.Socket; server: net.Socket; done: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'filtered-socket-'));
  const srv = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((r) => srv.listen(join(dir, 's.sock'), r));
  const accepted = once(srv, 'connection');
  const client = net.connect({ path: join(dir, 's.sock'), allowHalfOpen: true });
  const [server] = (await accepted) as [net.Socket];
  return { client, server, done: () => { srv.close(); rmSync(dir, { recursive: true, force: true }); } };
}

test('backpressure: a consumer that stops reading pauses the socket; reading again gets every byte in order', async () => {
  const { client, server, done } = await pair();
  const f = new FilteredSocket(server);
  const payload = Buffer.alloc(16384, 7);
  const frames = Buffer.concat(Array.from({ length: 200 }, (_, i) => frame(FrameType.DATA, 0, 1 + 2 * (i % 5), payload)));
  const sent = Buffer.concat([PREFACE, settingsFrame(), frames]);
  client.end(sent);
  await new Promise<void>((r) => { const t = setInterval(() => { if (server.isPaused()) { clearInterval(t); r(); } }, 5); });
  const got: Buffer[] = [];
  f.on('data', (c: Buffer) => got.push(c));
  await once(f, 'end');
  assert.deepEqual(Buffer.concat(got), sent);
  f.destroy();
  client.destroy();
  done();
});

test('half-close both ways', async () => {
  const { client, server, done } = await pair();
  const f = new FilteredSocket(server);
  f.resume();
  client.write(PREFACE);
  client.end();
  await once(f, 'end');
  f.end(Buffer.from('bye'));
  const chunks: Buffer[] = [];
  client.on('data', (c: Buffer) => chunks.push(c));
  await once(client, 'end');
  assert.equal(Buffer.concat(chunks).toString(), 'bye');
  f.destroy();
  client.destroy();
  done();
});

test('malformed input destroys the connection; a socket error destroys the Duplex; destroying the Duplex closes the socket', async () => {
  const { client, server, done } = await pair();
  const f = new FilteredSocket(server);
  f.resume();
  client.resume();
  client.write('GET / HTTP/1.1\r\n\r\n');
  await Promise.all([once(f, 'close'), once(client, 'end')]);
  assert.ok(server.destroyed);
  const p2 = await pair();
  const f2 = new FilteredSocket(p2.server);
  const errored = new Promise<Error>((r) => f2.on('error', r));
  const closed = new Promise((r) => f2.on('close', r)); // (events.once would reject on the 'error')
  p2.server.destroy(new Error('boom'));
  assert.equal((await errored).message, 'boom');
  await closed;
  assert.ok(f2.destroyed);
  p2.client.destroy();
  p2.done();
  // destroying the Duplex (what http2 does when a session ends) closes the socket
  const p3 = await pair();
  const f3 = new FilteredSocket(p3.server);
  p3.client.resume();
  const clientEnded = once(p3.client, 'end');
  f3.destroy();
  await Promise.all([clientEnded, once(p3.server, 'close')]);
  p3.client.destroy();
  p3.done();
  client.destroy();
  done();
});
