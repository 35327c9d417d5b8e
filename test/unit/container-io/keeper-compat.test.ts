/**
 * A daemon after an upgrade finds the old IO keeper still running (it is kept across daemon restarts). A fake
 * protocol-1 keeper (the methods and answers of the first keeper, nothing else) stands in for it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeeperClient } from '../../../src/container-io/keeper-client.js';
import { isKeeperError, type StartParams } from '../../../src/container-io/protocol.js';
import { keeperPort } from '../../../src/daemon/wire.js';
import { RuntimeError } from '../../../src/errors.js';

interface Req { id: number; method: string; params?: Record<string, unknown> }

/** A keeper speaking `protocol`: protocol 1 knows start, reopenLog, list, subscribe, ack, forget and ping. */
function fakeKeeper(path: string, protocol: number, seen: Req[]): Promise<Server> {
  const v1 = new Set(['start', 'reopenLog', 'list', 'subscribe', 'ack', 'forget', 'ping']);
  const server = createServer((sock: Socket) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const req = JSON.parse(buf.slice(0, i)) as Req;
        buf = buf.slice(i + 1);
        seen.push(req);
        const reply = (r: object) => sock.write(JSON.stringify({ id: req.id, ...r }) + '\n');
        if (protocol === 1 && !v1.has(req.method)) { reply({ error: { code: 'InvalidArgument', message: `unknown method "${req.method}"` } }); continue; }
        if (req.method === 'ping') reply({ result: { pid: 4242, version: `wincri-io-keeper/${protocol}`, protocol } });
        else if (req.method === 'list') reply({ result: [] });
        else if (req.method === 'start') reply({ result: { pid: 77 } });
        else reply({ result: {} });
      }
    });
    sock.on('error', () => undefined);
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}

const protocolOf = (c: KeeperClient): number => c.protocol;
const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));

test('a protocol-1 keeper: start without the newer fields, job containers and attach refused with FailedPrecondition', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-keeper-compat-'));
  const sock = join(dir, 'keeper.sock');
  const seen: Req[] = [];
  const sockets = new Set<Socket>();
  let server = await fakeKeeper(sock, 1, seen);
  server.on('connection', (s) => sockets.add(s));
  const client = await KeeperClient.connect(sock, { connectTimeoutMs: 5000 });
  t.after(async () => { await client.close(); server.close(); rmSync(dir, { recursive: true, force: true }); });
  assert.equal(client.protocol, 1);

  const params: StartParams = {
    containerId: 'c1', systemId: 'sys1', process: { CommandLine: 'cmd /c echo hi' }, logPath: '/logs/c1/0.log',
    backend: 'compute', tty: true, stdinOnce: true,
  };
  assert.deepEqual(await client.start(params), { pid: 77 });
  const sent = seen.find((r) => r.method === 'start')!;
  assert.deepEqual(sent.params, { containerId: 'c1', systemId: 'sys1', process: { CommandLine: 'cmd /c echo hi' }, logPath: '/logs/c1/0.log' });

  await assert.rejects(client.start({ ...params, containerId: 'hp1', backend: 'job' }), (e) =>
    isKeeperError(e, 'FailedPrecondition') && /job containers need IO keeper protocol 2/.test(e.message) && /wincri shutdown --containers/.test(e.message));
  await assert.rejects(client.attachContainer({ containerId: 'c1', stdin: true, stdout: true, stderr: false }), (e) =>
    isKeeperError(e, 'FailedPrecondition') && /IO keeper \(protocol 1\) predates this daemon \(protocol 2\)/.test(e.message));
  // The runtime sees a caller-actionable FailedPrecondition, not Internal.
  await assert.rejects(keeperPort(client).attach('c1', { stdin: false, stdout: true, stderr: true }), (e) =>
    e instanceof RuntimeError && e.kind === 'FailedPrecondition' && /wincri shutdown --containers/.test(e.message));
  assert.ok(!seen.some((r) => r.method === 'attach' || (r.method === 'start' && r.params?.containerId === 'hp1')), 'nothing the old keeper does not know was sent');

  // The operator restarts the keeper: the client reconnects to a protocol-2 keeper and uses all of it.
  const closed = close(server);
  for (const s of sockets) s.destroy();
  await closed;
  server = await fakeKeeper(sock, 2, seen);
  const deadline = Date.now() + 10_000;
  while (protocolOf(client) !== 2) {
    if (Date.now() > deadline) throw new Error('the client did not reconnect to the new keeper');
    await new Promise((r) => setTimeout(r, 20));
  }
  await client.start({ ...params, containerId: 'hp2', backend: 'job' });
  assert.deepEqual(seen.filter((r) => r.method === 'start').at(-1)!.params, { ...params, containerId: 'hp2', backend: 'job' });
});
