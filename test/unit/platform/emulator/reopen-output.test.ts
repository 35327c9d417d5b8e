/**
 * The emulator's reopenOutput (a restarted IO keeper taking a process's output back): "already attached" is waited
 * out by the service until the previous reader's connection closes (was: polled every 50 ms), and a stream another
 * reader keeps is named held (ERROR_SHARING_VIOLATION, what to check) while the other is returned (was: the call
 * rejected, dropping the stream it had); any other failure rejects with its HRESULT instead of an empty stdio, and
 * leaves no stream attached (was: every failure swallowed, the output silently lost); a process without a pipe
 * just lacks it.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setup, rejectsWith, containerDoc, type Env } from './helpers.js';
import { EmulatorClient } from '../../../../src/platform/emulator/client.js';
import { reopenOutputOf } from '../../../../src/platform/emulator/reopen-output.js';
import { LOG_NAME } from '../../../../src/platform/emulator/protocol.js';
import { waitFor } from '../../../helpers/wait-for.js';
import { HRESULT, PlatformError as PlatformErrorCtor, type PlatformError } from '../../../../src/platform/hresult.js';
import { PassThrough } from 'node:stream';
import type { ComputeProcess, ComputeSystem } from '../../../../src/platform/types.js';

/** The next line a stream yields. */
function line(s: Readable | undefined): Promise<string> {
  assert.ok(s, 'the stream is there');
  return new Promise((resolve, reject) => {
    let got = '';
    s.setEncoding('utf8');
    const onData = (d: string) => {
      got += d;
      if (got.includes('\n')) { s.off('data', onData); s.pause(); resolve(got.slice(0, got.indexOf('\n'))); }
    };
    s.on('data', onData);
    s.once('error', reject);
    s.resume();
  });
}

/** A started system `id` on a service of its own. */
async function running(t: TestContext, id: string): Promise<{ env: Env; s: ComputeSystem }> {
  const env = await setup();
  t.after(() => env.cleanup());
  const s = await env.platform.compute.createComputeSystem(id, containerDoc());
  t.after(() => s.close());
  await s.start();
  return { env, s };
}

/** A system with a process that echoes each stdin line to stdout and stderr; its creator holds all three pipes. */
async function echoer(t: TestContext, id: string): Promise<{ env: Env; s: ComputeSystem; created: ComputeProcess }> {
  const { env, s } = await running(t, id);
  const created = await s.createProcess({
    CommandLine: 'sh -c "while read l; do echo out-$l; echo err-$l >&2; done"', CreateStdInPipe: true, CreateStdOutPipe: true, CreateStdErrPipe: true,
  });
  return { env, s, created };
}

/** Both streams reopened carry what the process writes next. */
async function flows(created: ComputeProcess, out: { stdout?: Readable; stderr?: Readable }, word: string): Promise<void> {
  created.stdio.stdin!.write(`${word}\n`);
  assert.equal(await line(out.stdout), `out-${word}`);
  assert.equal(await line(out.stderr), `err-${word}`);
}

test('emulator reopenOutput: a stream another reader keeps past the wait is named held (ERROR_SHARING_VIOLATION, what to check); the free one is returned', async (t) => {
  const { env, created } = await echoer(t, 'ro-busy');
  const client = new EmulatorClient({ stateDir: join(env.dir, 'state'), spawnService: false });
  t.after(() => client.close());
  // The creator keeps both streams: after the (here short) wait both are held, none returned.
  const both = await reopenOutputOf(client, 'ro-busy', created.pid, undefined, 100);
  assert.equal(both.stdout, undefined);
  assert.equal(both.stderr, undefined);
  for (const name of ['stdout', 'stderr'] as const) {
    const err = both.held?.[name] as PlatformError | undefined;
    assert.ok(err, `${name} is named held`);
    assert.equal(err.hresult, HRESULT.ERROR_SHARING_VIOLATION);
    assert.match(err.message, new RegExp(`${name} of process \\d+ in ro-busy is still attached to another reader after 0\\.1s`));
    assert.match(err.message, /one IO keeper/);
  }
  // The creator lets stderr go and keeps stdout: stderr is reopened and carries output, stdout alone is held
  // (was: the whole call rejected and the stderr it had attached was dropped, so nothing was logged).
  created.stdio.stderr!.destroy();
  const one = await reopenOutputOf(client, 'ro-busy', created.pid, undefined, 100);
  t.after(() => one.stderr?.destroy());
  assert.equal(one.stdout, undefined);
  assert.equal((one.held?.stdout as PlatformError | undefined)?.hresult, HRESULT.ERROR_SHARING_VIOLATION);
  assert.equal(one.held?.stderr, undefined);
  created.stdio.stdin!.write('a\n');
  assert.equal(await line(created.stdio.stdout), 'out-a');
  assert.equal(await line(one.stderr), 'err-a');
});

test('emulator reopenOutput: "already attached" is waited out by the service until the previous reader\'s connection closes', async (t) => {
  const { env, s, created } = await echoer(t, 'ro-wait');
  const client = new EmulatorClient({ stateDir: join(env.dir, 'state'), spawnService: false });
  t.after(() => client.close());
  // Asked while the creator still holds stdout: the service answers once it lets go, within the wait.
  const attaching = client.attach('ro-wait', created.pid, 'stdout', 30_000);
  let settled = false;
  attaching.then(() => { settled = true; }, () => { settled = true; });
  // The creator lets go only once the service has found the stream held and is waiting with the attachment (its
  // log says so): a service that does not wait refuses it then instead, and says nothing of waiting.
  const log = join(env.dir, 'state', LOG_NAME);
  const waiting = `stdout of process ${created.pid} in ro-wait is attached to another reader`;
  await waitFor('the service to wait with the attachment, or to answer it', () => settled || readFileSync(log, 'utf8').includes(waiting), { detail: () => readFileSync(log, 'utf8') });
  assert.equal(settled, false, 'the attachment waits while another reader holds the stream (was: refused at once)');
  created.stdio.stdout!.destroy();
  const sock = await attaching;
  t.after(() => sock.destroy());
  created.stdio.stdin!.write('w\n');
  assert.equal(await line(sock), 'out-w');
  // reopenOutput over it: the previous reader (this socket) goes while it waits, then both streams are back.
  const opened = await s.openProcess(created.pid);
  t.after(() => opened.close());
  created.stdio.stderr!.destroy();
  const reopening = opened.reopenOutput!();
  sock.destroy();
  const out = await reopening;
  assert.equal(out.held, undefined);
  await flows(created, out, 'a');
});

test('emulator reopenOutput: any other failure rejects with its HRESULT and leaves no stream attached; a closed handle is E_HANDLE', async (t) => {
  const { env, s, created } = await echoer(t, 'ro-fail');
  created.stdio.stdout!.destroy();
  created.stdio.stderr!.destroy();
  const opened = await s.openProcess(created.pid);
  // One stream's attach fails (the process gone under it): the call rejects with that code, not an empty stdio.
  await env.platform.injectFault('attach', HRESULT.ERROR_NOT_FOUND, 1);
  await rejectsWith(opened.reopenOutput!(), 'ERROR_NOT_FOUND');
  // The other stream was attached meanwhile and let go again: the retry gets both, not "already attached".
  const out = await opened.reopenOutput!();
  await flows(created, out, 'b');
  out.stdout!.destroy();
  out.stderr!.destroy();
  opened.close();
  await rejectsWith(opened.reopenOutput!(), 'E_HANDLE');
});

test('emulator reopenOutput: a process without output pipes just lacks the streams', async (t) => {
  const { s } = await running(t, 'ro-none');
  const created = await s.createProcess({ CommandLine: 'sleep 30' });
  const opened = await s.openProcess(created.pid);
  t.after(() => opened.close());
  const out = await opened.reopenOutput!();
  assert.equal(out.stdout, undefined);
  assert.equal(out.stderr, undefined);
  await s.terminate();
});

test('emulator reopenOutput: a service of an older wincri (it refuses "already attached" at once, ignoring the wait) is asked again while time is left', async () => {
  // Such a service outlives an upgrade of the daemon and the keeper; its refusals come before the wait is up.
  const asked: { stream: string; waitMs?: number }[] = [];
  let refusals = 3;
  const old = {
    isClosed: false,
    hello: async () => ({ osVersion: '10.0.20348', architecture: 'amd64', pid: 1 }), // no attachWaits: an older service
    attach: async (_id: string, _pid: number, stream: string, waitMs?: number) => {
      asked.push({ stream, waitMs });
      if (stream === 'stdout' && refusals-- > 0) throw new PlatformErrorCtor(HRESULT.E_ACCESSDENIED, 'AttachStdio', 'stdout is already attached');
      const s = new PassThrough();
      s.end(`${stream}-bytes\n`);
      return s;
    },
  } as unknown as EmulatorClient;
  const out = await reopenOutputOf(old, 'ro-old', 7, undefined, 5_000);
  assert.equal(out.held, undefined, 'nothing is given up while the wait has time left');
  assert.equal(await line(out.stdout), 'stdout-bytes');
  assert.equal(await line(out.stderr), 'stderr-bytes');
  const outs = asked.filter((a) => a.stream === 'stdout');
  assert.equal(outs.length, 4, 'three early refusals, then attached');
  for (const a of outs) assert.ok(a.waitMs! > 0 && a.waitMs! <= 5_000, 'each asks with the time left');
  assert.equal(asked.filter((a) => a.stream === 'stderr').length, 1);
});

test('emulator reopenOutput: a service that says it waits (hello attachWaits) is asked once per stream, its refusal final', async () => {
  const asked: { stream: string; waitMs?: number }[] = [];
  let hellos = 0;
  const waiting = {
    isClosed: false,
    hello: async () => { hellos++; return { osVersion: '10.0.20348', architecture: 'amd64', pid: 1, attachWaits: true }; },
    attach: async (_id: string, _pid: number, stream: string, waitMs?: number) => {
      asked.push({ stream, waitMs });
      // It waited waitMs for the other reader itself before this refusal.
      if (stream === 'stdout') throw new PlatformErrorCtor(HRESULT.E_ACCESSDENIED, 'AttachStdio', 'stdout is already attached');
      const s = new PassThrough();
      s.end(`${stream}-bytes\n`);
      return s;
    },
  } as unknown as EmulatorClient;
  const out = await reopenOutputOf(waiting, 'ro-new', 7, undefined, 400);
  assert.deepEqual(asked, [{ stream: 'stdout', waitMs: 400 }, { stream: 'stderr', waitMs: 400 }], 'exactly one request per stream, with the whole wait');
  assert.equal(hellos, 1);
  assert.equal((out.held?.stdout as PlatformError | undefined)?.code, 'ERROR_SHARING_VIOLATION');
  assert.equal(out.stdout, undefined);
  assert.equal(await line(out.stderr), 'stderr-bytes');
});

test('emulator client: this version\'s service says it waits on an attachment, and hello is asked once per connection', async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const client = new EmulatorClient({ stateDir: join(env.dir, 'state'), spawnService: false });
  t.after(() => client.close());
  const sent: string[] = [];
  const request = client.request.bind(client);
  client.request = (async (method: string, params?: Record<string, unknown>) => { sent.push(method); return request(method, params); }) as typeof client.request;
  assert.equal((await client.hello()).attachWaits, true);
  assert.equal((await client.hello()).attachWaits, true);
  assert.deepEqual(sent, ['hello']);
});
