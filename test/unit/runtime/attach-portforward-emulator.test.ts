/**
 * Attach and port-forward on the emulator, in process: the runtime's sessions against the real IO keeper
 * (attach) and real TCP listeners in pods (port-forward; without real networking the pod shares the host's).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runtimeEnv, runContainer, type RuntimeEnv } from '../../helpers/runtime-env.js';
import { isRuntimeError } from '../../../src/errors.js';
import type { StreamProcess } from '../../../src/streaming/types.js';
import { collect, readAll } from './streaming-helpers.js';
import { waitFor } from '../../helpers/wait-for.js';

let env: RuntimeEnv;
before(async () => { env = await runtimeEnv(); });
after(async () => { await env.close(); });

async function attachVia(id: string, io: { stdin: boolean; stdout: boolean; stderr: boolean; tty: boolean }): Promise<StreamProcess> {
  const s = env.streaming.take(env.runtime.attach(id, io), 'attach');
  assert.equal(s.containerId, id);
  return s.start();
}

async function attachers(id: string): Promise<number> {
  return (await env.keeper.list()).find((a) => a.containerId === id)?.attachers ?? 0;
}

const logOf = (name: string) => readFileSync(join(env.logDir, `${name}.log`), 'utf8');

test('attach: two attachers see the live output, nothing already logged is replayed, stdin reaches the process', async () => {
  const { id } = await runContainer(env, 'echoer', ['sh', '-c', 'echo early; while read l; do echo "got $l"; done'], { stdin: true });
  await waitFor('the first line in the log', () => logOf('echoer').includes('early'));
  const a = await attachVia(id, { stdin: true, stdout: true, stderr: true, tty: false });
  const b = await attachVia(id, { stdin: false, stdout: true, stderr: false, tty: false });
  assert.equal(b.stdin, undefined);
  const ao = collect(a.stdout), bo = collect(b.stdout);
  a.stdin!.write('one\n');
  await waitFor('both attachers to see the answer', () => ao.text().includes('got one') && bo.text().includes('got one'));
  assert.ok(!ao.text().includes('early') && !bo.text().includes('early'), 'output logged before the attach is not replayed');
  assert.equal(await attachers(id), 2);
  await b.close(); // detach: the container goes on
  await waitFor('running', () => env.runtime.getContainer(id).state === 'CONTAINER_RUNNING');
  a.stdin!.write('two\n');
  await waitFor('the second answer', () => ao.text().includes('got two'));
  await a.close();
  await waitFor('still running', () => env.runtime.getContainer(id).state === 'CONTAINER_RUNNING');
  assert.equal(await attachers(id), 0, 'no keeper session left');
  assert.match(logOf('echoer'), /stdout F got one\n.*stdout F got two\n/s);
});

test('attach with stdin_once: the first attacher closing stdin closes the container stdin; the exit reaches every attacher', async () => {
  const { id } = await runContainer(env, 'once', ['cat'], { stdin: true, stdinOnce: true });
  const a = await attachVia(id, { stdin: true, stdout: true, stderr: false, tty: false });
  const b = await attachVia(id, { stdin: false, stdout: true, stderr: false, tty: false });
  const bo = readAll(b.stdout);
  a.stdin!.end('last words\n');
  assert.equal((await readAll(a.stdout)).toString(), 'last words\n');
  assert.deepEqual(await a.exited, { exitCode: 0 });
  assert.deepEqual(await b.exited, { exitCode: 0 });
  assert.equal((await bo).toString(), 'last words\n');
  await a.close();
  await b.close();
  await waitFor('the container to exit', () => env.runtime.getContainer(id).state === 'CONTAINER_EXITED');
});

test('attach without stdin_once: closing stdin detaches that attacher only; the container stdin stays open', async () => {
  const { id } = await runContainer(env, 'keep', ['cat'], { stdin: true });
  const a = await attachVia(id, { stdin: true, stdout: true, stderr: false, tty: false });
  const ao = collect(a.stdout);
  a.stdin!.write('first\n');
  await waitFor('the echo', () => ao.text() === 'first\n');
  a.stdin!.end();
  assert.deepEqual(await a.exited, { exitCode: 0 });
  await a.close();
  const b = await attachVia(id, { stdin: true, stdout: true, stderr: false, tty: false });
  const bo = collect(b.stdout);
  b.stdin!.write('second\n');
  await waitFor('cat still reading', () => bo.text() === 'second\n');
  assert.equal(env.runtime.getContainer(id).state, 'CONTAINER_RUNNING');
  await b.close();
});

test('attach to a tty container: terminal output, resize through the console, exit code', async () => {
  const { id } = await runContainer(env, 'term', ['sh', '-c', 'while :; do stty size; read x || exit 5; done'], { stdin: true, tty: true });
  await waitFor('the initial size in the log: it is the terminal output', () => /stdout F 24 80\n/.test(logOf('term')));
  const a = await attachVia(id, { stdin: true, stdout: true, stderr: false, tty: true });
  assert.equal(a.stderr, undefined);
  const out = collect(a.stdout);
  await a.resize(100, 31);
  for (let i = 0; !/31 100/.test(out.text()); i++) {
    a.stdin!.write('\n');
    await waitFor('an answer', () => (out.text().match(/\d+ \d+/g) ?? []).length > i || /31 100/.test(out.text()));
  }
  assert.match(logOf('term'), /stdout F 31 100\n/, 'the resized terminal output is logged too');
  await env.runtime.stopContainer(id, 0);
  assert.ok([5, 137, 143].includes((await a.exited).exitCode));
  await a.close();
});

test('attach: unknown container → NotFound; exited container → FailedPrecondition', async () => {
  const io = { stdin: false, stdout: true, stderr: false, tty: false };
  assert.throws(() => env.runtime.attach('nope', io), (e) => isRuntimeError(e, 'NotFound'));
  const { id } = await runContainer(env, 'gone', ['true']);
  await waitFor('exit', () => env.runtime.getContainer(id).state === 'CONTAINER_EXITED');
  assert.throws(() => env.runtime.attach(id, io), (e) => isRuntimeError(e, 'FailedPrecondition'));
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test('port-forward: a connection reaches a listener in the pod; a closed port rejects with a clear message', async () => {
  const port = await freePort();
  const { podId } = await runContainer(env, 'listener', ['sh', '-c', `echo hello-from-pod | nc -l -N 127.0.0.1 ${port}`]);
  const s = env.streaming.take(env.runtime.portForward(podId, [port]), 'portforward');
  assert.deepEqual([s.podSandboxId, s.ports], [podId, [port]]);
  let conn;
  const deadline = Date.now() + 30_000;
  for (;;) { // the listener comes up asynchronously: retry while it refuses
    try { conn = await s.connect(port); break; } catch (e) {
      assert.match((e as Error).message, /connection refused/);
      assert.ok(Date.now() < deadline, 'the listener in the pod never came up');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  assert.equal((await readAll(conn)).toString(), 'hello-from-pod\n');
  const closed = await freePort();
  await assert.rejects(s.connect(closed), new RegExp(`port ${closed} of pod pod-listener .*connection refused \\(nothing listens on that port\\)`));
  await assert.rejects(s.connect(0), /out of range/);
  assert.throws(() => env.runtime.portForward('nopod', []), (e) => isRuntimeError(e, 'NotFound'));
  assert.throws(() => env.runtime.portForward(podId, [70000]), (e) => isRuntimeError(e, 'InvalidArgument'));
  await env.runtime.stopPodSandbox(podId);
  assert.throws(() => env.runtime.portForward(podId, []), (e) => isRuntimeError(e, 'FailedPrecondition'));
});
