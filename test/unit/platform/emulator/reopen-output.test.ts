/**
 * The emulator's reopenOutput (a restarted IO keeper taking a process's output back): "already attached" is waited
 * out while the previous reader's attachment goes, and said (ERROR_SHARING_VIOLATION, what to check) when another
 * reader keeps it; any other failure rejects with its HRESULT instead of an empty stdio, and leaves no stream
 * attached (was: every failure swallowed, the output silently lost); a process without a pipe just lacks it.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { setup, rejectsWith, containerDoc, type Env } from './helpers.js';
import { EmulatorClient } from '../../../../src/platform/emulator/client.js';
import { reopenOutputOf } from '../../../../src/platform/emulator/reopen-output.js';
import { HRESULT } from '../../../../src/platform/hresult.js';
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

test('emulator reopenOutput: "already attached" is tried again until the previous reader lets go; kept for good, it is ERROR_SHARING_VIOLATION', async (t) => {
  const { env, s, created } = await echoer(t, 'ro-busy');
  const client = new EmulatorClient({ stateDir: join(env.dir, 'state'), spawnService: false });
  t.after(() => client.close());
  // The creator keeps both streams: after the (here short) wait the refusal says what to check.
  const err = await rejectsWith(reopenOutputOf(client, 'ro-busy', created.pid, undefined, 100), 'ERROR_SHARING_VIOLATION');
  assert.match(err.message, /(stdout|stderr) of process \d+ in ro-busy is still attached to another reader after 0\.1s/);
  assert.match(err.message, /one IO keeper/);
  // Refused twice (as while the service has not yet seen the previous reader's connection close), then free.
  const opened = await s.openProcess(created.pid);
  t.after(() => opened.close());
  created.stdio.stdout!.destroy();
  created.stdio.stderr!.destroy();
  await env.platform.injectFault('attach', HRESULT.E_ACCESSDENIED, 2);
  await flows(created, await opened.reopenOutput!(), 'a');
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
