/** The spool relay (spool-relay.ts) on segment files written by hand in place of the namespace helper's waiter. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex, PassThrough } from 'node:stream';
import type { Socket } from 'node:net';
import { SpoolRelay } from '../../../../../src/platform/emulator/service/spool-relay.js';
import { segPath } from '../../../../../src/platform/emulator/service/spill.js';

const turn = () => new Promise((r) => setImmediate(r));

/** An attachment that takes whatever it is sent. */
function reader(): { sock: Socket; got: () => string } {
  const parts: Buffer[] = [];
  const d = new Duplex({ read() {}, write(chunk: Buffer, _enc, cb) { parts.push(chunk); cb(); } });
  return { sock: d as unknown as Socket, got: () => Buffer.concat(parts).toString() };
}

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
