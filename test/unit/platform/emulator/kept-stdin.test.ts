/**
 * A kept stdin (CreateProcessOptions.keepStdin: the IO keeper's container stdin) outlives its owner: the spool
 * (service/stdin-spool.ts) takes a `keep` attachment's end for a detach, and ends the stream only at endStdin, once
 * it holds the bytes named; the durable stdin (durable-stdin.ts) asks for that end instead of ending its
 * attachment, again on a new attachment; and on a real service a second owner reopens the stdin and writes on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { STDIN_WINDOW, eofPath } from '../../../../src/platform/emulator/service/stdin-spool.js';
import { durableStdin } from '../../../../src/platform/emulator/durable-stdin.js';
import type { EmulatorClient } from '../../../../src/platform/emulator/client.js';
import { setup, another, containerDoc, readAll, noIsolation, put } from './helpers.js';
import { PlatformError, HRESULT } from '../../../../src/platform/hresult.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { FakeSock, tick, spoolOnFifo } from './stdin-fakes.js';

test('stdin spool: a keep attachment that ends only detaches; endAt ends the stream once it holds the bytes named', async (t) => {
  const { pipe, spool } = spoolOnFifo(t, 'wincri-kept-');
  const first = new FakeSock();
  spool.attach(first as unknown as Socket, () => undefined, true);
  first.emit('data', Buffer.from('abc'));
  // A killed owner's socket: end of file, then close. Not the stream's end.
  first.emit('end');
  first.emit('close');
  assert.equal(existsSync(eofPath(pipe)), false);
  assert.equal(spool.attached, false);
  const second = new FakeSock();
  let start = -1;
  spool.attach(second as unknown as Socket, (info) => { start = info.start; }, true);
  assert.equal(start, 3);
  // The end asked for after 6 bytes while 3 of them are still on their way: recorded once they are spooled.
  spool.endAt(6);
  assert.equal(existsSync(eofPath(pipe)), false);
  second.emit('data', Buffer.from('def'));
  assert.equal(readFileSync(eofPath(pipe), 'utf8'), '6\n');
  assert.deepEqual(second.text(), ['6\n', 'eof\n']);
});

test('stdin spool: a keep attachment takes over a keep one whose owner died unseen behind the full window', async (t) => {
  const { spool } = spoolOnFifo(t, 'wincri-kept-');
  const first = new FakeSock();
  spool.attach(first as unknown as Socket, () => undefined, true);
  // A full window: the attachment is no longer read, so its owner's death shows no end or close here.
  first.emit('data', Buffer.alloc(STDIN_WINDOW, 'a'));
  assert.equal(first.paused, true);
  const second = new FakeSock();
  let start = -1;
  spool.attach(second as unknown as Socket, (info) => { start = info.start; }, true);
  assert.equal(start, STDIN_WINDOW, 'the new owner resends from the spool\'s length');
  assert.equal(first.destroyed, true, 'the old attachment is let go');
  assert.equal(spool.attached, true);
  second.emit('data', Buffer.from('b'));
  assert.deepEqual(second.text(), [`${STDIN_WINDOW + 1}\n`]);
  // Only a keep attachment takes over; a plain one is refused while the stdin is attached.
  assert.throws(() => spool.attach(new FakeSock() as unknown as Socket, () => undefined), /already attached/);
  assert.equal(second.destroyed, false);
});

test('stdin spool: an end asked for by an owner that died before it was due does not end the next owner\'s stream', async (t) => {
  const { pipe, spool } = spoolOnFifo(t, 'wincri-kept-');
  const a = new FakeSock();
  spool.attach(a as unknown as Socket, () => undefined, true);
  a.emit('data', Buffer.from('abc'));
  // A asks for the end after 6 bytes, then dies with 3 of them never delivered.
  spool.endAt(6);
  a.emit('end');
  a.emit('close');
  const b = new FakeSock();
  spool.attach(b as unknown as Socket, () => undefined, true);
  b.emit('data', Buffer.from('defgh'));
  b.emit('data', Buffer.from('ij'));
  assert.equal(existsSync(eofPath(pipe)), false, 'B did not ask for the end');
  assert.deepEqual(b.text(), ['8\n', '10\n']);
  // B's own end request is honoured.
  spool.endAt(10);
  assert.equal(readFileSync(eofPath(pipe), 'utf8'), '10\n');
});

test('durable stdin (keep): end() asks the service for the end after every written byte, again on a new attachment', async () => {
  const first = new FakeSock();
  const second = new FakeSock();
  const requests: unknown[] = [];
  const client = {
    attachStdin: async (_s: string, _p: number, keep: boolean) => { assert.equal(keep, true); return { sock: second as unknown as Socket, start: 5, eof: false }; },
    request: async (method: string, params: unknown) => { requests.push([method, params]); return null; },
  } as unknown as EmulatorClient;
  const w = durableStdin(client, 'sys', 3, { sock: first as unknown as Socket, start: 2, eof: false }, true);
  w.write(Buffer.from('hello'));
  const finished = new Promise<void>((res) => w.end(res));
  await tick();
  assert.equal(first.ended, false, 'a kept stdin never ends its attachment');
  assert.deepEqual(requests, [['endStdin', { id: 'sys', pid: 3, at: 7 }]]);
  // The service is killed before recording it: the next attachment gets the unacknowledged bytes and the request again.
  first.emit('close');
  await waitFor('the end asked again on the new attachment', () => requests.length >= 2);
  assert.deepEqual(second.text(), ['lo']);
  assert.deepEqual(requests[1], ['endStdin', { id: 'sys', pid: 3, at: 7 }]);
  second.emit('data', Buffer.from('7\neof\n'));
  await finished;
});

test('durable stdin (keep): an end request the service could not take (away) is asked again', async () => {
  const first = new FakeSock();
  const requests: unknown[] = [];
  const client = {
    attachStdin: async () => { throw new PlatformError(HRESULT.HCS_E_SERVICE_NOT_AVAILABLE, 'AttachStdio', 'away'); },
    request: async (method: string, params: unknown) => {
      requests.push([method, params]);
      if (requests.length === 1) throw new PlatformError(HRESULT.HCS_E_SERVICE_NOT_AVAILABLE, method, 'restarting');
      return null;
    },
  } as unknown as EmulatorClient;
  const w = durableStdin(client, 'sys', 3, { sock: first as unknown as Socket, start: 0, eof: false }, true);
  const finished = new Promise<void>((res) => w.end(res));
  await waitFor('the end asked again', () => requests.length >= 2);
  assert.deepEqual(requests, [['endStdin', { id: 'sys', pid: 3, at: 0 }], ['endStdin', { id: 'sys', pid: 3, at: 0 }]]);
  first.emit('data', Buffer.from('eof\n'));
  await finished;
});

test('durable stdin (keep): an end request the service refuses fails the stream instead of hanging end()', async () => {
  const first = new FakeSock();
  const client = {
    request: async (method: string) => { throw new PlatformError(HRESULT.ERROR_NOT_FOUND, method, 'process 3 not found in sys'); },
  } as unknown as EmulatorClient;
  const w = durableStdin(client, 'sys', 3, { sock: first as unknown as Socket, start: 0, eof: false }, true);
  w.on('error', () => undefined);
  w.write(Buffer.from('ab'));
  const e = await new Promise<Error | null | undefined>((res) => w.end((err?: Error | null) => res(err)));
  assert.ok(e instanceof PlatformError);
  assert.match(e.message, /stdin of process 3 in sys is lost: 2 written byte\(s\) were not delivered, nor its end \(.*not found/);
});

const skip = noIsolation();

test('kept stdin: the owner letting go leaves the program reading; a second owner reopens it and its end is the program\'s', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem('kept', containerDoc());
  await s.start();
  const pr = await s.createProcess({ CommandLine: 'wc -c', CreateStdInPipe: true, CreateStdOutPipe: true }, { keepStdin: true });
  const out = readAll(pr.stdio.stdout);
  await put(pr.stdio.stdin!, 'abc');
  pr.stdio.stdin!.destroy();
  const other = await another(env);
  const proc = await (await other.compute.openComputeSystem('kept')).openProcess(pr.pid);
  // Reopened only once the first attachment is let go (until then the stdin is attached): that did not end it.
  const stdin = await proc.reopenStdin!();
  assert.ok(stdin, 'the stdin is still open');
  await put(stdin, 'defg');
  await new Promise<void>((res) => stdin.end(res));
  assert.equal((await pr.waitExit()).ExitCode, 0);
  assert.equal((await out).trim(), '7');
  await s.terminate();
});
