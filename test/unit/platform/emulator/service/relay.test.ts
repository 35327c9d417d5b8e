/** The emulator's output relay: acknowledged delivery keeps what the attachment did not store and replays it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutRelay, RELAY_WINDOW, type OutAttachInfo } from '../../../../../src/platform/emulator/service/relay.js';
import { waitFor } from '../../../../helpers/wait-for.js';

const poll = { timeoutMs: 120_000, intervalMs: 5 };

/** A connected socket pair: [service side, client side]. */
async function pair(path: string): Promise<[Socket, Socket]> {
  return new Promise((resolve) => {
    let c: Socket;
    const srv = createServer((s) => { srv.close(); resolve([s, c]); });
    srv.listen(path, () => { c = connect(path); });
  });
}

function collect(s: Socket): { data: () => string; ended: Promise<void> } {
  const parts: Buffer[] = [];
  s.on('data', (d: Buffer) => parts.push(d));
  return { data: () => Buffer.concat(parts).toString(), ended: new Promise((r) => s.once('end', () => r())) };
}

/** Polls until cond holds (the relay reacts on socket events; nothing here depends on how long they take). */
test('acknowledged attachment: unacknowledged bytes are replayed to the next attachment from its offset', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-relay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = new PassThrough();
  const relay = new OutRelay([src]);
  src.write('aaaa\nbbbb\n');
  const [svc1, cli1] = await pair(join(dir, '1.sock'));
  let info: OutAttachInfo | undefined;
  relay.attach(svc1, { acked: true, from: 0 }, (i) => { info = i; });
  assert.deepEqual(info, { start: 0, gap: 0, eof: false });
  const got1 = collect(cli1);
  await waitFor('the first attachment to get two lines', () => got1.data() === 'aaaa\nbbbb\n', poll);
  cli1.write('5\n'); // stored "aaaa\n" only
  await waitFor('the relay to keep 5 bytes', () => relay.kept === 5, poll);
  src.write('cccc\n');
  await waitFor('the first attachment to get the third line', () => got1.data() === 'aaaa\nbbbb\ncccc\n', poll);
  cli1.destroy(); // the reader dies
  await waitFor('the first attachment to end', () => !relay.attached, poll);
  assert.equal(relay.kept, 10);

  const [svc2, cli2] = await pair(join(dir, '2.sock'));
  relay.attach(svc2, { acked: true, from: 7 }, (i) => { info = i; }); // it had stored 7 bytes after all
  assert.deepEqual(info, { start: 7, gap: 0, eof: false });
  const got2 = collect(cli2);
  src.end('dd\n');
  await got2.ended;
  assert.equal(got2.data(), 'bb\ncccc\ndd\n');
  cli2.destroy();
});

test('the window bounds what is kept: the relay stops reading until bytes are acknowledged', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-relay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = new PassThrough({ highWaterMark: 1024 });
  const relay = new OutRelay([src]);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  for (let i = 0; i < 16; i++) src.write(chunk);
  await waitFor('the relay to fill its window', () => relay.offset >= RELAY_WINDOW, poll);
  await new Promise((r) => setImmediate(r));
  assert.ok(relay.offset >= RELAY_WINDOW && relay.offset < RELAY_WINDOW + 2 * chunk.length, `kept ${relay.offset}`);
  assert.ok(src.readableLength > 0, 'the rest waits in the pipe');
  const [svc, cli] = await pair(join(dir, 'w.sock'));
  relay.attach(svc, { acked: true, from: 0 }, () => undefined);
  let seen = 0;
  cli.on('data', (d: Buffer) => { seen += d.length; cli.write(`${seen}\n`); });
  await waitFor('all 16 chunks', () => seen === 16 * chunk.length, poll);
  assert.equal(relay.offset, 16 * chunk.length);
  cli.destroy();
  relay.close();
});

test('unacknowledged attachment (exec, legacy keeper): what was sent is taken; a new attachment gets only new bytes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-relay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = new PassThrough();
  const relay = new OutRelay([src]);
  src.write('before\n');
  const [svc1, cli1] = await pair(join(dir, '1.sock'));
  relay.attach(svc1, {}, () => undefined);
  const got1 = collect(cli1);
  await waitFor('the first attachment to get its line', () => got1.data() === 'before\n', poll);
  cli1.destroy();
  await waitFor('the first attachment to end', () => !relay.attached, poll);
  src.write('after\n');
  const [svc2, cli2] = await pair(join(dir, '2.sock'));
  relay.attach(svc2, {}, () => undefined);
  const got2 = collect(cli2);
  src.end();
  await got2.ended;
  assert.equal(got2.data(), 'after\n');
  cli2.destroy();
});
