/** An output relay's sender (sender.ts): what it sends an attachment and what it lets the source drop. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { Sender } from '../../../../../src/platform/emulator/service/sender.js';

/** An attachment's socket whose writes complete only when the test says so (a reader that is behind). */
function slowSocket(): { sock: Socket; got: Buffer[]; release(): void } {
  const got: Buffer[] = [];
  let held: (() => void)[] = [];
  const d = new Duplex({
    highWaterMark: 1,
    read() {},
    write(chunk: Buffer, _enc, cb) { got.push(chunk); held.push(() => cb()); },
  });
  return { sock: d as unknown as Socket, got, release() { const h = held; held = []; for (const cb of h) cb(); } };
}

/** A source of `total` bytes in 10-byte reads; records how far it was allowed to drop. */
function source(total: number) {
  const s = { taken: 0, read: (at: number) => (at < total ? Buffer.alloc(Math.min(10, total - at), 0x61) : undefined), take: (o: number) => { s.taken = Math.max(s.taken, o); }, ended: () => true };
  return s;
}

const turn = () => new Promise((r) => setImmediate(r));

test('an acknowledgement past what this attachment was sent counts as those bytes go out', async () => {
  // The attacher kept 30 bytes from an earlier attachment (a killed service's) and acknowledges them at once;
  // this one is sent them again (it skips them). The source may drop them as they are sent: nothing newer may
  // ever come to acknowledge them again.
  const src = source(30);
  const out = new Sender(src);
  const a = slowSocket();
  out.attach(a.sock, true, 0);
  assert.equal(out.sent, 10, 'one read went out; the socket is full');
  a.sock.push('30\n');
  await turn();
  assert.equal(src.taken, 10, 'taken as far as it was sent');
  for (let i = 0; i < 100 && out.sent < 30; i++) { a.release(); await turn(); }
  assert.equal(src.taken, 30, 'the whole acknowledgement counted once the bytes went out');
  assert.equal(Buffer.concat(a.got).length, 30);
});

test('without acknowledgements an attachment takes what it is sent', async () => {
  const src = source(25);
  const out = new Sender(src);
  const a = slowSocket();
  out.attach(a.sock, false, 0);
  assert.equal(src.taken, 10);
  for (let i = 0; i < 10 && !a.sock.writableEnded; i++) { a.release(); await turn(); }
  assert.equal(src.taken, 25);
  assert.equal(a.sock.writableEnded, true, 'the stream ended and all was sent: the attachment is ended');
});

test('an acknowledgement never counts past what was sent', async () => {
  const src = source(30);
  const out = new Sender(src);
  const a = slowSocket();
  out.attach(a.sock, true, 0);
  a.sock.push('1000\n');
  await turn();
  assert.equal(src.taken, 10);
});

test('a replaced attachment draining does not let the current one be written past its limit', async () => {
  const src = source(100);
  const out = new Sender(src);
  const a = slowSocket();
  out.attach(a.sock, false, 0);
  assert.equal(a.got.length, 1, 'the first attachment is full after one read');
  const b = slowSocket();
  out.attach(b.sock, false, 0);
  out.pump();
  assert.equal(b.got.length, 1, 'the second attachment is full after one read');
  a.release(); // the first one drains now: that says nothing about the second
  await turn();
  out.pump();
  assert.equal(b.got.length, 1, 'nothing more was written to the full attachment');
  b.release();
  await turn();
  assert.equal(b.got.length, 2, 'the second one is sent more once it drains');
});
