import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, renameSync, existsSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { KeeperHandle } from '../../../src/container-io/keeper.js';
import { KeeperClient } from '../../../src/container-io/keeper-client.js';
import { isKeeperError, type ExitEvent, type StartParams } from '../../../src/container-io/protocol.js';
import { isPlatformError, PlatformError, HRESULT } from '../../../src/platform/hresult.js';
import { keeperEnv, type KeeperEnv } from './keeper-env.js';
import { quiet } from '../../helpers/keeper-world.js';
import { waitFor } from '../../helpers/wait-for.js';

const poll = (timeoutMs = 4000) => ({ timeoutMs, intervalMs: 10 });

/** The keeper environment of these tests: a short drain timeout unless given. */
const env = (t: { after(fn: () => Promise<void> | void): void }, drainTimeoutMs = 300): KeeperEnv => keeperEnv(t, { drainTimeoutMs });

function startParams(e: KeeperEnv, id: string, extra: Partial<StartParams> = {}): StartParams {
  return {
    containerId: id, systemId: 'sys1', logPath: join(e.logDir, `${id}.log`),
    process: { CommandLine: 'cmd /c app.exe', CreateStdInPipe: true, CreateStdOutPipe: true, CreateStdErrPipe: true },
    ...extra,
  };
}

/** [stream, tag, content] of every record; also checks the record format. */
function records(path: string): Array<[string, string, string]> {
  const text = readFileSync(path, 'utf8');
  if (text === '') return [];
  assert.ok(text.endsWith('\n'));
  return text.slice(0, -1).split('\n').map((l) => {
    const m = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) ([FP]) (.*)$/.exec(l);
    assert.ok(m, `malformed record ${JSON.stringify(l)}`);
    return [m[1]!, m[2]!, m[3]!];
  });
}

test('keeper: start → log lines → exit event only after stdout/stderr drained and the log flushed', async (t) => {
  const e = env(t);
  await e.startKeeper();
  const c = await e.client();
  assert.equal((await c.ping()).pid, process.pid);
  const events: ExitEvent[] = [];
  let logAtEvent: Array<[string, string, string]> = [];
  await c.onExit((ev) => { events.push(ev); logAtEvent = records(join(e.logDir, 'c1.log')); });
  const { pid } = await c.start(startParams(e, 'c1'));
  const proc = await e.compute.processAt(0);
  assert.equal(pid, proc.pid);
  assert.equal(proc.params.CommandLine, 'cmd /c app.exe');

  proc.stdout!.write('hello World\r\n');
  proc.stderr!.write('err line\n');
  await waitFor('first lines in the log', () => records(join(e.logDir, 'c1.log')).length === 2, poll());
  assert.equal(proc.stdin!.destroyed, false, 'stdin is kept open while the process runs');

  proc.exit(3);
  proc.stdout!.write('after exit\n'); // a grandchild still writing
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(events.length, 0, 'no exit while the pipes are open');
  assert.equal((await c.list())[0]!.exited, undefined);
  proc.stdout!.end('tail without newline');
  proc.stderr!.end();

  await waitFor('exit event', () => events.length === 1, poll());
  const ev = events[0]!;
  assert.equal(ev.containerId, 'c1');
  assert.equal(ev.pid, pid);
  assert.equal(ev.exitCode, 3);
  assert.match(ev.exitedAt, /^\d{19}$/);
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  assert.ok(nowNs - BigInt(ev.exitedAt) < 5_000_000_000n);
  assert.deepEqual(logAtEvent, [
    ['stdout', 'F', 'hello World'], ['stderr', 'F', 'err line'], ['stdout', 'F', 'after exit'],
    ['stdout', 'P', 'tail without newline'],
  ]);
  assert.equal(proc.stdin!.destroyed, true, 'stdin released after exit');
  const [info] = await c.list();
  // The start time is the keeper's, from before the process ran: not after its exit.
  assert.ok(BigInt(info!.startedAt!) <= BigInt(ev.exitedAt), `startedAt ${info!.startedAt} exitedAt ${ev.exitedAt}`);
  assert.deepEqual(info, { containerId: 'c1', systemId: 'sys1', pid, logPath: join(e.logDir, 'c1.log'), startedAt: info!.startedAt,
    exited: { exitCode: 3, exitedAt: ev.exitedAt }, logLines: logAtEvent.length, logBytes: statSync(join(e.logDir, 'c1.log')).size });
  assert.equal(e.compute.openHandles, 0, 'compute system handle closed after exit');
});

test('keeper: pipes held open by grandchildren that a shutdown does not end (here it fails) are closed 2 s (here: drainTimeoutMs) after the exit', async (t) => {
  const e = env(t, 300);
  await e.startKeeper();
  const c = await e.client();
  const events: ExitEvent[] = [];
  await c.onExit((ev) => events.push(ev));
  await c.start(startParams(e, 'g1', { maxLineSize: 4 }));
  const proc = await e.compute.processAt(0);
  proc.stdout!.write('abcdefg\n');
  proc.stderr!.write('unterminated');
  const t0 = Date.now();
  proc.exit(0);
  await waitFor('exit event', () => events.length === 1, poll());
  assert.ok(Date.now() - t0 >= 280, 'waited for the drain timeout');
  assert.equal(proc.stdout!.destroyed, true, 'stopped reading the pipe');
  assert.deepEqual(records(join(e.logDir, 'g1.log')),
    [['stdout', 'P', 'abcd'], ['stdout', 'F', 'efg'], ['stderr', 'P', 'unte'], ['stderr', 'P', 'rmin'], ['stderr', 'P', 'ated']]);
});

test('keeper: without a log path the output is drained and discarded', async (t) => {
  const e = env(t);
  await e.startKeeper();
  const c = await e.client();
  const events: ExitEvent[] = [];
  await c.onExit((ev) => events.push(ev));
  await c.start(startParams(e, 'nolog', { logPath: '' }));
  const proc = await e.compute.processAt(0);
  const big = Buffer.alloc(1024 * 1024, 0x41);
  proc.stdout!.write(big);
  proc.stderr!.write(big);
  await waitFor('pipes drained', () => proc.stdout!.readableLength === 0 && proc.stdout!.writableLength === 0
    && proc.stderr!.readableLength === 0, poll());
  proc.exit(0);
  proc.endOutput();
  await waitFor('exit', () => events.length === 1, poll());
  assert.deepEqual(readdirSync(e.logDir), []);
  await c.reopenLog('nolog').then(() => assert.fail('exited container must refuse reopen'), (err) => {
    assert.ok(isKeeperError(err, 'FailedPrecondition'));
  });
});

test('keeper: reopenLog after kubelet renamed the file', async (t) => {
  const e = env(t);
  await e.startKeeper();
  const c = await e.client();
  await c.start(startParams(e, 'r1'));
  const proc = await e.compute.processAt(0);
  const path = join(e.logDir, 'r1.log');
  const rotated = `${path}.20261124-100000`;
  proc.stdout!.write('one\n');
  await waitFor('line one', () => records(path).length === 1, poll());
  renameSync(path, rotated);
  await c.reopenLog('r1');
  assert.ok(existsSync(path), 'new file exists right after reopen');
  const rotatedSize = statSync(rotated).size;
  proc.stdout!.write('two\n');
  proc.stderr!.write('three\n');
  await waitFor('lines in the new file', () => records(path).length === 2, poll());
  assert.deepEqual(records(path), [['stdout', 'F', 'two'], ['stderr', 'F', 'three']]);
  assert.deepEqual(records(rotated), [['stdout', 'F', 'one']]);
  assert.equal(statSync(rotated).size, rotatedSize, 'rotated file stopped growing');

  await assert.rejects(c.reopenLog('unknown'), (err) => isKeeperError(err, 'NotFound'));
});

test('keeper: reopenLog still works while output drains after the exit', async (t) => {
  const e = env(t, 1000);
  await e.startKeeper();
  const c = await e.client();
  const events: ExitEvent[] = [];
  await c.onExit((ev) => events.push(ev));
  await c.start(startParams(e, 'd1'));
  const proc = await e.compute.processAt(0);
  const path = join(e.logDir, 'd1.log');
  proc.stdout!.write('before\n');
  proc.exit(0);
  await waitFor('before', () => records(path).length === 1, poll());
  renameSync(path, `${path}.1`);
  await c.reopenLog('d1');
  proc.stdout!.write('draining\n');
  proc.endOutput();
  await waitFor('exit', () => events.length === 1, poll());
  assert.deepEqual(records(path), [['stdout', 'F', 'draining']]);
  assert.deepEqual(records(`${path}.1`), [['stdout', 'F', 'before']]);
});

test('keeper: a daemon disconnect changes nothing; a new client learns missed exits from list', async (t) => {
  const e = env(t);
  await e.startKeeper();
  const c1 = await e.client();
  await c1.start(startParams(e, 'a1'));
  await c1.start(startParams(e, 'a2'));
  const [p1, p2] = [await e.compute.processAt(0), await e.compute.processAt(1)];
  await c1.close(); // the daemon goes away (e.g. kill -9)

  p1.stdout!.write('logged while the daemon is down\n');
  p1.exit(9);
  p1.endOutput();
  p2.stdout!.write('still running\n');
  await waitFor('a1 exit recorded', () => existsSync(join(e.stateDir, 'containers', 'a1.json'))
    && JSON.parse(readFileSync(join(e.stateDir, 'containers', 'a1.json'), 'utf8')).exited !== undefined, poll());

  const c2 = await e.client();
  const list = await c2.list();
  assert.deepEqual(list.map((a) => [a.containerId, a.pid, a.exited?.exitCode]), [['a1', p1.pid, 9], ['a2', p2.pid, undefined]]);
  const events: ExitEvent[] = [];
  await c2.onExit((ev) => events.push(ev));
  assert.deepEqual(events.map((ev) => [ev.containerId, ev.exitCode]), [['a1', 9]], 'replayed from list');
  assert.deepEqual(records(join(e.logDir, 'a1.log')), [['stdout', 'F', 'logged while the daemon is down']]);
  await waitFor('a2 line', () => records(join(e.logDir, 'a2.log')).length === 1, poll());

  await c2.ack('a1');
  assert.equal((await c2.list())[0]!.acked, true);
  // a later subscriber does not get acknowledged exits again
  const c3 = await e.client();
  const later: ExitEvent[] = [];
  await c3.onExit((ev) => later.push(ev));
  assert.deepEqual(later, []);
  // a live exit reaches every subscriber exactly once
  p2.exit(0);
  p2.endOutput();
  await waitFor('a2 exit on both clients', () => events.length === 2 && later.length === 1, poll());
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(events.length, 2);
});

test('keeper: exits persist across keeper restarts until acked; forget drops them', async (t) => {
  const e = env(t);
  const k1 = await e.startKeeper();
  const c1 = await e.client();
  const seen: ExitEvent[] = [];
  await c1.onExit((ev) => seen.push(ev));
  await c1.start(startParams(e, 'p1'));
  const proc = await e.compute.processAt(0);
  proc.exit(42);
  proc.endOutput();
  await waitFor('exit', () => seen.length === 1, poll());
  await c1.close();
  await k1.close();
  assert.equal(existsSync(e.socketPath), false, 'socket removed on close');
  writeFileSync(join(e.stateDir, 'containers', 'broken.json'), '{not json'); // ignored on recovery
  writeFileSync(join(e.stateDir, 'containers', 'other.json'), '{"containerId":"mismatch"}');

  const k2 = await e.startKeeper();
  const c2 = await e.client();
  const replay: ExitEvent[] = [];
  await c2.onExit((ev) => replay.push(ev));
  assert.deepEqual(replay, [seen[0]]);
  await c2.forget('never-started'); // forgetting an unknown container is a no-op
  await c2.ack('p1');
  await c2.close();
  await k2.close();

  await e.startKeeper();
  const c3 = await e.client();
  const after: ExitEvent[] = [];
  await c3.onExit((ev) => after.push(ev));
  assert.deepEqual(after, []);
  const [info] = await c3.list();
  assert.deepEqual(info!.exited, { exitCode: 42, exitedAt: seen[0]!.exitedAt });
  assert.equal(info!.acked, true);
  await c3.forget('p1');
  assert.deepEqual(await c3.list(), []);
  assert.equal(existsSync(join(e.stateDir, 'containers', 'p1.json')), false);
  await assert.rejects(c3.ack('p1'), (err) => isKeeperError(err, 'NotFound'));
});

test('keeper restart while a container runs: the client reconnects (spawning the keeper) and gets the exit', async (t) => {
  const e = env(t);
  let spawns = 0;
  let current: KeeperHandle | undefined;
  const spawn = async () => { spawns++; current = await e.startKeeper(); };
  const c = await e.client({ spawn });
  assert.equal(spawns, 1, 'connect spawned the keeper');
  const events: ExitEvent[] = [];
  await c.onExit((ev) => events.push(ev));
  await c.start(startParams(e, 'k1'));
  await c.start(startParams(e, 'k2'));
  const [p1, p2] = [await e.compute.processAt(0), await e.compute.processAt(1)];
  p1.stdout!.write('before keeper restart\n');
  await waitFor('line', () => records(join(e.logDir, 'k1.log')).length === 1, poll());

  await current!.close(); // keeper dies: its stdio goes with it, processes keep running
  p2.exit(5); // k2 exits while no keeper runs → its exit code is lost
  await waitFor('client respawned the keeper', () => spawns === 2, poll(8000));
  await waitFor('k2 lost exit reported', () => events.some((ev) => ev.containerId === 'k2'), poll(8000));
  const list = await c.list();
  const k1 = list.find((a) => a.containerId === 'k1')!;
  const k2 = list.find((a) => a.containerId === 'k2')!;
  assert.equal(k1.recovered, true);
  assert.equal(k1.exited, undefined, 'k1 still running');
  assert.equal(k2.exited!.lost, true);
  assert.equal(k2.exited!.exitCode, 255);

  // reopen still works for a recovered container (kubelet keeps rotating)
  const path = join(e.logDir, 'k1.log');
  renameSync(path, `${path}.1`);
  await c.reopenLog('k1');
  assert.ok(existsSync(path));

  p1.exit(17);
  await waitFor('k1 exit', () => events.some((ev) => ev.containerId === 'k1'), poll());
  assert.equal(events.find((ev) => ev.containerId === 'k1')!.exitCode, 17);
  assert.deepEqual(records(`${path}.1`), [['stdout', 'F', 'before keeper restart']]);
});

test('keeper: bad requests get error replies and never crash the keeper', async (t) => {
  const e = env(t);
  await e.startKeeper();
  const raw = createConnection(e.socketPath);
  const replies: Array<{ id: number | null; error?: { code: string; message: string }; result?: unknown }> = [];
  let buf = '';
  raw.on('data', (d) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) !== -1) { replies.push(JSON.parse(buf.slice(0, nl))); buf = buf.slice(nl + 1); }
  });
  await new Promise((r) => raw.once('connect', r));
  raw.write('this is not json\n');
  raw.write('{"method":"ping"}\n');
  raw.write('{"id":1,"method":"selfDestruct"}\n');
  raw.write('{"id":2,"method":"start","params":{}}\n');
  raw.write('{"id":3,"method":"start","params":{"containerId":"../../etc","systemId":"sys1","process":{}}}\n');
  raw.write('{"id":4,"method":"start","params":{"containerId":"c","systemId":"sys1","process":[]}}\n');
  raw.write('{"id":5,"method":"ack","params":null}\n');
  raw.write('[1,2,3]\n');
  raw.write('{"id":6,"method":"ping"}\n');
  await waitFor('all replies', () => replies.length === 9, poll());
  raw.destroy();
  const byId = (id: number) => replies.find((r) => r.id === id)!;
  assert.equal(replies.filter((r) => r.id === null).length, 3);
  for (const r of replies.filter((x) => x.id === null)) assert.equal(r.error!.code, 'InvalidArgument');
  assert.match(byId(1).error!.message, /unknown method "selfDestruct"/);
  for (const id of [2, 3, 4, 5]) assert.equal(byId(id).error!.code, 'InvalidArgument', `request ${id}`);
  assert.deepEqual({ ...(byId(6).result as object), pid: 0 }, { pid: 0, version: 'wincri-io-keeper/2', protocol: 2 });

  const c = await e.client();
  // unknown compute system → the platform error comes back as a PlatformError
  await assert.rejects(c.start(startParams(e, 'x1', { systemId: 'nope' })),
    (err) => isPlatformError(err, 'HCS_E_SYSTEM_NOT_FOUND') && /HcsOpenComputeSystem/.test((err as Error).message));
  // missing log directory → clear error and no process was created
  await assert.rejects(c.start(startParams(e, 'x2', { logPath: join(e.dir, 'missing', '0.log') })),
    (err) => isKeeperError(err, 'FailedPrecondition') && /does not exist/.test((err as Error).message));
  assert.equal(e.compute.created.length, 0);
  // createProcess failure leaves no record behind
  e.compute.failNextCreate = new PlatformError(HRESULT.ERROR_FILE_NOT_FOUND, 'HcsCreateProcess', 'app.exe');
  await assert.rejects(c.start(startParams(e, 'x3')), (err) => isPlatformError(err, 'ERROR_FILE_NOT_FOUND'));
  assert.deepEqual(await c.list(), []);
  assert.equal(e.compute.openHandles, 0);
  // duplicate start, ack/forget of a running container
  await c.start(startParams(e, 'x4'));
  await assert.rejects(c.start(startParams(e, 'x4')), (err) => isKeeperError(err, 'AlreadyExists'));
  await assert.rejects(c.ack('x4'), (err) => isKeeperError(err, 'FailedPrecondition'));
  await assert.rejects(c.forget('x4'), (err) => isKeeperError(err, 'FailedPrecondition'));
  assert.equal((await c.list()).length, 1);
});

test('keeper: socket is private, a second keeper is refused, a stale socket is replaced', async (t) => {
  const e = env(t);
  // a stale file at the socket path (a keeper killed with -9 leaves its socket behind; nothing answers there)
  writeFileSync(e.socketPath, '');
  await e.startKeeper();
  assert.equal(statSync(e.socketPath).mode & 0o777, 0o600);
  await assert.rejects(e.startKeeper(), (err) => isKeeperError(err, 'AlreadyExists'));
  const c = await e.client();
  assert.equal((await c.ping()).protocol, 2);
  // no keeper and no spawn → Unavailable quickly
  await assert.rejects(KeeperClient.connect(join(e.dir, 'absent.sock'), { log: quiet }), (err) => isKeeperError(err, 'Unavailable'));
});
