/** The spool relay (spool-relay.ts) on segment files written by hand in place of the namespace helper's waiter. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Duplex, PassThrough } from 'node:stream';
import type { Socket } from 'node:net';
import { SpoolRelay } from '../../../../../src/platform/emulator/service/spool-relay.js';
import { segPath } from '../../../../../src/platform/emulator/service/spill.js';

const turn = () => new Promise((r) => setImmediate(r));

/**
 * An attachment that takes whatever it is sent. Like a net.Socket it is done with a chunk when it calls back (the
 * relay reuses its read buffers after that), so it keeps a copy; `slow`: it calls back a few ms later.
 */
function reader(slow = false): { sock: Socket; got: () => string; bytes: () => Buffer } {
  const parts: Buffer[] = [];
  const take = (chunk: Buffer, cb: () => void) => { parts.push(Buffer.from(chunk)); cb(); };
  const d = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, cb) { if (slow) setTimeout(() => take(chunk, cb), 3); else take(chunk, cb); },
  });
  return { sock: d as unknown as Socket, got: () => Buffer.concat(parts).toString(), bytes: () => Buffer.concat(parts) };
}

test('two relays, reads of whole pooled buffers, slow sinks: each gets its stream exactly', async (t) => {
  // The relays share their read buffers (one is reused once the socket calls its write back): a buffer given back
  // early, or handed to two relays at once, shows here as the other stream's bytes.
  const dir = mkdtempSync(join(tmpdir(), 'wincri-spool-relay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const streams = [0, 1].map((i) => {
    const pipe = join(dir, `p${i}.out`);
    const data = randomBytes(1024 * 1024 + 777); // reads of 256 KiB, then a short one
    writeFileSync(segPath(pipe, 0), data);
    const bell = new PassThrough();
    const relay = new SpoolRelay(bell, pipe);
    const r = reader(true);
    const done = new Promise((res) => r.sock.on('finish', res));
    relay.attach(r.sock, { acked: false }, () => undefined);
    return { data, bell, relay, r, done };
  });
  for (const s of streams) s.bell.end();
  await Promise.all(streams.map((s) => s.done));
  for (const s of streams) {
    assert.ok(s.r.bytes().equals(s.data), 'the stream arrived byte for byte');
    s.relay.close();
  }
});

test('a segment taken whole goes once its successor shows up, also when nothing is written to that one yet', async (t) => {
  // On a nearly full disk the waiter fills one segment, starts the next (empty: no room) and waits for room: the
  // full one must go when the relay finds the next, not when bytes come in it, which they cannot.
  const dir = mkdtempSync(join(tmpdir(), 'wincri-spool-relay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pipe = join(dir, 'p.out');
  writeFileSync(segPath(pipe, 0), 'one\ntwo\n');
  const bell = new PassThrough();
  const relay = new SpoolRelay(bell, pipe);
  const r = reader();
  relay.attach(r.sock, { acked: false }, () => undefined);
  await turn();
  assert.equal(r.got(), 'one\ntwo\n');
  assert.ok(existsSync(segPath(pipe, 0)), 'the newest segment stays');
  writeFileSync(segPath(pipe, 8), ''); // the waiter's next segment, empty
  bell.write(Buffer.from([1]));
  await turn();
  assert.equal(existsSync(segPath(pipe, 0)), false, 'the full segment went: room for the waiter');
  writeFileSync(segPath(pipe, 8), 'three\n');
  bell.write(Buffer.from([1]));
  await turn();
  assert.equal(r.got(), 'one\ntwo\nthree\n');
  relay.close();
});
