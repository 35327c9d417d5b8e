/**
 * Which service instance a stdio attachment's cut handshake is blamed on (attach-handshake.ts; reattach.ts counts
 * by it). The client's `hello` is cached per control connection, and that connection may still look open when its
 * service is gone and the socket path already leads to the next one: the attachment must name the instance that took
 * it (its greeting), not the cached one. Stand-in services on the socket, a real client; last, the real service
 * greets with its pid.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmulatorClient } from '../../../../src/platform/emulator/client.js';
import { lostServicePid } from '../../../../src/platform/emulator/connection-errors.js';
import { SOCKET_NAME, type AttachRequest } from '../../../../src/platform/emulator/protocol.js';
import { isPlatformError } from '../../../../src/platform/hresult.js';
import { setup } from './helpers.js';

/**
 * One service instance listening on the socket: answers `hello` with its pid (claiming attachGreets when `greets`);
 * cuts every attachment, greeting first when it greets and is asked to (`cutBeforeGreeting`: it dies before).
 */
async function instance(t: TestContext, dir: string, pid: number, greets: boolean, cutBeforeGreeting = false): Promise<{ server: Server }> {
  const server: Server = createServer((sock: Socket) => {
    sock.on('error', () => undefined);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      const msg = JSON.parse(d.split('\n')[0]!) as { id?: number; method?: string } & Partial<AttachRequest>;
      if (msg.attach) {
        if (greets && msg.attach.greet && !cutBeforeGreeting) sock.write(JSON.stringify({ service: { pid } }) + '\n');
        setImmediate(() => sock.destroy());
        return;
      }
      sock.write(JSON.stringify({ id: msg.id, result: { osVersion: '10.0.20348', architecture: 'amd64', pid, ...(greets ? { attachWaits: true, attachGreets: true } : {}) } }) + '\n');
    });
  });
  const path = join(dir, SOCKET_NAME);
  rmSync(path, { force: true });
  await new Promise<void>((r) => server.listen(path, r));
  t.after(() => server.close());
  return { server };
}

function fixture(t: TestContext): { dir: string; client: EmulatorClient } {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-emu-blame-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const client = new EmulatorClient({ stateDir: dir, spawnService: false });
  t.after(() => client.close());
  return { dir, client };
}

const cutPid = async (p: Promise<unknown>): Promise<number | undefined> => {
  const e = await p.then(() => assert.fail('expected the attachment to be cut'), (x: unknown) => x);
  assert.ok(isPlatformError(e, 'HCS_E_SERVICE_DISCONNECT'), String(e));
  return lostServicePid(e);
};

test('an attachment cut by the next service instance, the control connection still on the previous one: blamed on the next', async (t) => {
  const { dir, client } = fixture(t);
  const first = await instance(t, dir, 1000, true);
  assert.equal((await client.hello()).pid, 1000);
  // The first instance stops listening; its control connection stays open (its close not seen yet).
  first.server.close();
  await instance(t, dir, 2000, true);
  assert.equal((await client.hello()).pid, 1000, 'the cached answer still describes the control connection');
  assert.equal(await cutPid(client.attach('sys', 7, 'stdout')), 2000);
  assert.equal(await cutPid(client.attachAcked('sys', 7, 'stderr', 0)), 2000);
});

test('a greeting service cut before its greeting: no instance named (not the cached one); a service that does not greet: its hello pid', async (t) => {
  const { dir, client } = fixture(t);
  const first = await instance(t, dir, 1000, true);
  await client.hello();
  first.server.close();
  await instance(t, dir, 2000, true, true);
  assert.equal(await cutPid(client.attach('sys', 7, 'stdout')), undefined);

  const older = fixture(t);
  await instance(t, older.dir, 3000, false);
  await older.client.hello();
  assert.equal(await cutPid(older.client.attach('sys', 7, 'stdout')), 3000, 'an older wincri\'s service: known from hello alone');
});

test('the emulator service greets an attachment that asks, with the pid its hello answers, before anything else', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const client = new EmulatorClient({ stateDir: join(env.dir, 'state'), spawnService: false });
  t.after(() => client.close());
  const hello = await client.hello();
  assert.equal(hello.pid, await env.platform.servicePid());
  assert.equal(hello.attachGreets, true);
  const sock = connect(join(env.dir, 'state', SOCKET_NAME));
  t.after(() => sock.destroy());
  sock.setEncoding('utf8');
  let text = '';
  sock.on('data', (d: string) => { text += d; });
  sock.write(JSON.stringify({ attach: { systemId: 'none', pid: 1, stream: 'stdout', greet: true } } satisfies AttachRequest) + '\n');
  await new Promise<void>((r) => sock.on('close', () => r()));
  const [greeting, answer] = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(greeting, { service: { pid: hello.pid } });
  assert.ok(answer?.error, 'then the answer: no such system');
});
