/**
 * A client that hangs up as grpc-go does (a request, a PING after it, the answer read, one more PING, the socket
 * closed at once) while an http2 session serves it through the FilteredSocket: the PING ACK the filter writes meets
 * the closed socket (EPIPE / ECONNRESET). Passed on as an 'error', that reached the session through Node's stream
 * adapter while the adapter still held a write, and the session, destroyed with it, wrote its last frames into the
 * adapter, which threw ERR_INTERNAL_ASSERTION: an uncaught exception that ended the daemon, on the first such client.
 * Now the socket's error closes the Duplex without an 'error', and the session closes quietly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import net from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilteredSocket } from '../../../../src/daemon/h2/filtered-socket.js';
import { FrameType, PREFACE } from '../../../../src/daemon/h2/frames.js';
import { HpackEncoder } from '../../../../src/daemon/h2/hpack.js';
import { frame, settingsFrame } from '../../../helpers/h2.js';

const ANSWER = 'x'.repeat(1000);

/** One grpc-go-like client on `path`; resolves when its socket has closed. */
function hangUpClient(path: string, i: number): Promise<void> {
  return new Promise((resolve) => {
    const c = net.connect(path);
    c.on('error', () => undefined);
    c.on('close', () => resolve());
    const block = new HpackEncoder().encode([[':method', 'POST'], [':scheme', 'http'], [':path', '/x'], [':authority', '/run/wincri.sock']]);
    let got = 0;
    let requested = false;
    c.on('data', (d: Buffer) => {
      got += d.length;
      if (!requested) {
        requested = true;
        c.write(Buffer.concat([settingsFrame([], true), frame(FrameType.HEADERS, 0x5, 1, block), frame(FrameType.PING, 0, 0, Buffer.alloc(8, i))]));
      } else if (got > ANSWER.length) {
        c.write(frame(FrameType.PING, 0, 0, Buffer.alloc(8, 1)));
        c.destroy();
      }
    });
    c.write(Buffer.concat([PREFACE, settingsFrame()]));
  });
}

test('clients that hang up with a PING ACK on its way: each session closes, the Duplex without an error, nothing is thrown', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'filtered-socket-error-'));
  const h2 = http2.createServer();
  const sessionErrors: Error[] = [];
  const duplexErrors: Error[] = [];
  let sessionsOpen = 0;
  h2.on('session', (s) => { sessionsOpen++; s.on('error', (e) => sessionErrors.push(e)); s.on('close', () => sessionsOpen--); });
  h2.on('stream', (stream) => { stream.on('error', () => undefined); stream.respond({ ':status': 200 }); stream.end(ANSWER); });
  const duplexes: FilteredSocket[] = [];
  const srv = net.createServer((sock) => {
    const f = new FilteredSocket(sock);
    f.on('error', (e) => duplexErrors.push(e));
    duplexes.push(f);
    h2.emit('connection', f);
  });
  try {
    await new Promise<void>((r) => srv.listen(join(dir, 's.sock'), r));
    for (let i = 0; i < 20; i++) await hangUpClient(join(dir, 's.sock'), i);
    await Promise.all(duplexes.filter((f) => !f.closed).map((f) => once(f, 'close')));
    while (sessionsOpen > 0) await new Promise((r) => setImmediate(r));
    assert.equal(duplexes.length, 20);
    assert.deepEqual(duplexErrors.map((e) => e.message), [], 'a client hanging up is no error of the Duplex');
    assert.deepEqual(sessionErrors.map((e) => e.message), []);
  } finally {
    srv.close();
    h2.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
