/** Acknowledged output across attachments (acked-output.ts): no acknowledgement is lost between two of them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { ackedOutput, type Attachment } from '../../../../src/platform/emulator/acked-output.js';
import type { EmulatorClient } from '../../../../src/platform/emulator/client.js';

/** An attachment's socket: what the keeper writes on it (its acknowledgements) is collected. */
function fakeSocket(): { sock: Socket; written: () => string } {
  const parts: Buffer[] = [];
  const d = new Duplex({ read() {}, write(chunk: Buffer, _enc, cb) { parts.push(chunk); cb(); } });
  return { sock: d as unknown as Socket, written: () => Buffer.concat(parts).toString() };
}

const turn = () => new Promise((r) => setImmediate(r));

test('an acknowledgement made while the stream attaches again is sent on the new attachment', async () => {
  const calls: { from?: number; resumeAt?: number; answer: (a: Attachment) => void }[] = [];
  const client = {
    attachAcked: (_s: string, _p: number, _n: string, from?: number, resumeAt?: number) =>
      new Promise<Attachment>((answer) => { calls.push({ from, resumeAt, answer }); }),
  } as unknown as EmulatorClient;
  const first = fakeSocket();
  const { stream, acks } = ackedOutput(client, 'sys', 7, 'stdout', { sock: first.sock, start: 0, gap: 0, eof: false });
  const got: Buffer[] = [];
  stream.on('data', (d: Buffer) => got.push(d));
  first.sock.push('line one\nline two\n');
  await turn();
  assert.equal(Buffer.concat(got).toString(), 'line one\nline two\n');
  acks.ack(9);
  assert.equal(first.written(), '9\n');
  // The service dies: the stream attaches again from what was acknowledged (9) and received (18).
  first.sock.destroy();
  // Bounded: a stream that never attaches again fails here instead of hanging the run.
  for (const until = Date.now() + 10_000; calls.length === 0 && Date.now() < until;) await turn();
  assert.equal(calls.length, 1, 'the stream attached again');
  assert.deepEqual([calls[0]!.from, calls[0]!.resumeAt], [9, 18]);
  // Meanwhile the keeper stores the second line: the old socket is gone, the service asked for knows 9 only.
  acks.ack(18);
  const second = fakeSocket();
  calls[0]!.answer({ sock: second.sock, start: 9, gap: 0, eof: false });
  await turn();
  assert.equal(second.written(), '18\n', 'the acknowledgement reaches the new attachment');
  // The replay of what was received already is skipped; what follows is delivered.
  second.sock.push('line two\nthree\n');
  await turn();
  assert.equal(Buffer.concat(got).toString(), 'line one\nline two\nthree\n');
  stream.destroy();
});
