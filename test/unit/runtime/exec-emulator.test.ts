/**
 * Streaming exec on the emulator, in process: the runtime registers a session with a recording streaming
 * service, the test plays the streaming server (start(), stdio, resize, close()) against real processes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { runtimeEnv, runContainer, type RuntimeEnv } from '../../helpers/runtime-env.js';
import { isRuntimeError } from '../../../src/errors.js';
import type { StreamProcess } from '../../../src/streaming/types.js';
import { readAll, collect, processesWith, openFds } from './streaming-helpers.js';
import { waitFor } from '../../helpers/wait-for.js';

let env: RuntimeEnv;
let ctr: string;
const io = { stdin: false, stdout: true, stderr: true, tty: false };

before(async () => {
  env = await runtimeEnv();
  ({ id: ctr } = await runContainer(env, 'execs', ['sleep', '100000']));
});
after(async () => { await env.close(); });

async function execVia(cmd: string[], flags = io): Promise<StreamProcess> {
  const url = env.runtime.exec(ctr, cmd, flags);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/exec\//);
  const s = env.streaming.take(url, 'exec');
  assert.deepEqual({ stdin: s.stdin, stdout: s.stdout, stderr: s.stderr, tty: s.tty }, flags);
  assert.equal(s.containerId, ctr);
  return s.start();
}

test('exec: stdout, stderr and the exit code come back', async () => {
  const p = await execVia(['sh', '-c', 'echo out; echo err >&2; exit 3']);
  const [out, err, exit] = await Promise.all([readAll(p.stdout), readAll(p.stderr), p.exited]);
  assert.equal(out.toString(), 'out\n');
  assert.equal(err.toString(), 'err\n');
  assert.equal(exit.exitCode, 3);
  await p.close();
  const ok = await execVia(['true'], { stdin: false, stdout: true, stderr: false, tty: false });
  assert.equal(ok.stderr, undefined);
  assert.equal((await ok.exited).exitCode, 0);
  await ok.close();
});

test('exec: 100 MB of stdout arrive intact, streamed with bounded memory', async () => {
  const size = 100 * 1024 * 1024;
  const unit = Buffer.from('0123456789abcdef\n');
  const expected = createHash('sha256');
  let left = size;
  const block = Buffer.alloc(unit.length * 4096, unit.toString());
  while (left > 0) { const n = Math.min(left, block.length); expected.update(block.subarray(0, n)); left -= n; }
  const p = await execVia(['sh', '-c', `yes 0123456789abcdef | head -c ${size}`], { stdin: false, stdout: true, stderr: false, tty: false });
  const hash = createHash('sha256');
  let got = 0;
  const rss0 = process.memoryUsage().rss;
  let peak = rss0;
  for await (const chunk of p.stdout!) {
    hash.update(chunk as Buffer);
    got += (chunk as Buffer).length;
    if ((got & 0xfffff) < (chunk as Buffer).length) peak = Math.max(peak, process.memoryUsage().rss);
  }
  assert.equal((await p.exited).exitCode, 0);
  assert.equal(got, size);
  assert.equal(hash.digest('hex'), expected.digest('hex'));
  assert.ok(peak - rss0 < size / 2, `memory grew by ${Math.round((peak - rss0) / 1e6)} MB while streaming ${size / 1e6} MB`);
  await p.close();
});

test('exec: stdin EOF closes the process stdin (cat ends)', async () => {
  const p = await execVia(['cat'], { stdin: true, stdout: true, stderr: false, tty: false });
  const out = readAll(p.stdout);
  p.stdin!.write('hello ');
  p.stdin!.end('world');
  assert.equal((await out).toString(), 'hello world');
  assert.equal((await p.exited).exitCode, 0);
  await p.close();
});

test('exec with tty: the process has a terminal and a resize reaches it', async () => {
  const p = await execVia(['sh', '-c', 'while :; do stty size; read x || exit 4; done'], { stdin: true, stdout: true, stderr: false, tty: true });
  assert.equal(p.stderr, undefined);
  const out = collect(p.stdout);
  await waitFor('the default terminal size', () => /24 80/.test(out.text()));
  await p.resize(132, 43);
  // Each line typed makes the loop print the size again; keep typing until the new size shows.
  for (let i = 0; !/43 132/.test(out.text()); i++) {
    p.stdin!.write('\n');
    await waitFor('the loop to answer', () => (out.text().match(/\d+ \d+/g) ?? []).length > i + 1 || /43 132/.test(out.text()));
  }
  p.stdin!.end(); // the terminal's EOF: read fails
  assert.equal((await p.exited).exitCode, 4);
  await p.close();
});

test('exec close(): kills the process and releases every handle', async () => {
  const warm = await execVia(['true']);
  await warm.exited;
  await warm.close();
  const fds = openFds();
  const p = await execVia(['sh', '-c', 'sleep 7231 & exec sleep 7230'], { stdin: true, stdout: true, stderr: true, tty: false });
  await waitFor('the exec\'d processes', () => processesWith('sleep 7230').length === 1 && processesWith('sleep 7231').length === 1);
  await p.close();
  assert.deepEqual(processesWith('sleep 7230'), [], 'the exec\'d process is gone after close()');
  await waitFor('its background child to be gone (same process group)', () => processesWith('sleep 7231').length === 0);
  assert.equal((await p.exited).exitCode, 137);
  await p.close(); // idempotent
  await waitFor(`open fds back to ${fds} (now ${openFds()})`, () => openFds() <= fds);
});

test('exec: 50 concurrent sessions, each with its own output and exit code, leave nothing behind', async () => {
  const fds = openFds();
  const runs = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
    const p = await execVia(['sh', '-c', `echo run-${i}; sleep 0.2; exit ${i % 7}`]);
    const [out, exit] = await Promise.all([readAll(p.stdout), p.exited]);
    await p.close();
    return { out: out.toString(), code: exit.exitCode };
  }));
  runs.forEach((r, i) => assert.deepEqual(r, { out: `run-${i}\n`, code: i % 7 }));
  await waitFor(`open fds back to ${fds} (now ${openFds()})`, () => openFds() <= fds);
  const props = await (await env.platform.compute.openComputeSystem(ctr)).getProperties({ PropertyTypes: ['ProcessList'] });
  assert.equal(props.ProcessList?.length, 1, 'only the container\'s init process is left');
});

test('exec: unknown container → NotFound, empty cmd → InvalidArgument, exited container → FailedPrecondition', async () => {
  assert.throws(() => env.runtime.exec('nosuchcontainer', ['true'], io), (e) => isRuntimeError(e, 'NotFound'));
  assert.throws(() => env.runtime.exec(ctr, [], io), (e) => isRuntimeError(e, 'InvalidArgument'));
  const { id } = await runContainer(env, 'short', ['true']);
  await waitFor('the short container to exit', () => env.runtime.getContainer(id).state === 'CONTAINER_EXITED');
  assert.throws(() => env.runtime.exec(id, ['true'], io), (e) => isRuntimeError(e, 'FailedPrecondition') && /not running/.test(e.message));
});
