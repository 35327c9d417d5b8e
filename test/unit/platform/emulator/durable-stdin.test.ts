/**
 * The durable stdin (durable-stdin.ts) resends what a killed service did not acknowledge on the next attachment,
 * before any later write: with a writer held by the full window, the new attachment gets every unacknowledged byte
 * once and in order, then the writes that were waiting. Driven with fake attachments (no service).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { durableStdin } from '../../../../src/platform/emulator/durable-stdin.js';
import type { EmulatorClient } from '../../../../src/platform/emulator/client.js';
import { PlatformError, HRESULT } from '../../../../src/platform/hresult.js';
import { FakeSock, tick } from './stdin-fakes.js';

const chunk = (c: string) => Buffer.alloc(100 * 1024, c);

test('durable stdin: a new attachment gets the unacknowledged bytes once, then the held writes, in order', async () => {
  const first = new FakeSock();
  const second = new FakeSock();
  let attaches = 0;
  const client = {
    attachStdin: async () => { attaches++; return { sock: second as unknown as Socket, start: 100 * 1024, eof: false }; },
  } as unknown as EmulatorClient;
  const w = durableStdin(client, 'sys', 1, { sock: first as unknown as Socket, start: 0, eof: false });
  // A and B fit the window, C fills it (its callback is held), D and E wait in the Writable's buffer.
  for (const c of 'ABCDE') w.write(chunk(c));
  await tick();
  assert.equal(first.names(), 'ABC');
  // The service is killed after spooling A only: the attachment closes without "eof".
  first.emit('close');
  for (let i = 0; i < 10 && attaches === 0; i++) await tick();
  await tick();
  assert.equal(attaches, 1);
  // B and C again (unacknowledged), then D released by the smaller window; nothing twice.
  assert.equal(second.names(), 'BCD');
  second.emit('data', Buffer.from(`${400 * 1024}\n`));
  await tick();
  assert.equal(second.names(), 'BCDE');
  const finished = new Promise<void>((res) => w.end(res));
  await tick();
  assert.equal(second.ended, true);
  second.emit('data', Buffer.from(`${500 * 1024}\neof\n`));
  second.emit('close');
  await finished;
});

test('durable stdin: when no attachment can be made any more, the stream fails saying what was lost', async () => {
  const first = new FakeSock();
  const client = {
    attachStdin: async () => { throw new PlatformError(HRESULT.HCS_E_PROCESS_INFO_NOT_AVAILABLE, 'AttachStdio', 'gone'); },
  } as unknown as EmulatorClient;
  const w = durableStdin(client, 'sys', 7, { sock: first as unknown as Socket, start: 0, eof: false });
  const failed = new Promise<Error>((res) => w.on('error', res));
  for (const c of 'ABC') w.write(chunk(c));
  await tick();
  first.emit('close');
  const e = await failed;
  assert.ok(e instanceof PlatformError);
  assert.match(e.message, /stdin of process 7 in sys is lost: 307200 written byte\(s\) were not delivered/);
  assert.equal(w.destroyed, true);
});
