/**
 * A StopContainer whose termination fails sends no second graceful signal, ever: the exit it caused terminates the
 * system again (no shutdown, although the IO keeper asked one), the stop fails with a status saying the container
 * may still run and what to do, a retried stop terminates at once (no CtrlShutdown again) — also once the exit was
 * recorded meanwhile, failing again while the system cannot be ended rather than answering success. A stop without a
 * handle on the init asks the system's shutdown once: its exit asks none of its own. On a stand-in HostProcess job
 * (./stop-job.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { status as Status } from '@grpc/grpc-js';
import { stopContainer } from '../../../src/runtime/container-stop.js';
import { toServiceError } from '../../../src/cri/errors.js';
import { waitFor } from '../../helpers/wait-for.js';
import { stopJob, unended } from './stop-job.js';

const poll = { timeoutMs: 15_000, intervalMs: 10 };

/** The stop's failure: its gRPC status keeps the platform's code and says the container may still run. */
function stillRunning(e: unknown): boolean {
  const s = toServiceError(e);
  return s.code === Status.DEADLINE_EXCEEDED && /may still be running.*StopContainer again/.test(s.details ?? '');
}

test('a stop whose system terminate fails: it fails saying so; the exit terminates the system again and shuts nothing down', async (t) => {
  const { st, calls, count } = await stopJob(t, { fails: { system: 1, proc: 0 }, keeperAsked: true });
  const err = await stopContainer(st, 'c1', 0).then(() => undefined, (e: unknown) => e);
  assert.equal(st.containers.get('c1')!.state, 'CONTAINER_EXITED');
  await waitFor('the exit handling to terminate the system again', () => count('terminate') === 2 && !unended(st), poll);
  assert.equal(count('shutdown'), 0, `no graceful shutdown after the stop's (calls: ${calls.join(', ')})`);
  assert.equal(count('signal'), 0);
  assert.ok(stillRunning(err), `the stop failed saying the container may still run: ${String(err)}`);
  // Ended: a retried stop has nothing left to do.
  await stopContainer(st, 'c1', 30);
  assert.equal(count('terminate'), 2);
});

test('a system that cannot be terminated: every retried stop fails (the exit recorded meanwhile), none signals, the first that ends it succeeds', async (t) => {
  const { st, calls, count } = await stopJob(t, { fails: { system: 3, proc: 0 }, keeperAsked: true });
  await assert.rejects(stopContainer(st, 'c1', 0), stillRunning);
  // The exit's own terminate fails too (the third failure is the retried stop's).
  await waitFor('the exit handling to try to terminate the system', () => count('terminate') === 2, poll);
  assert.equal(st.containers.get('c1')!.state, 'CONTAINER_EXITED');
  await assert.rejects(stopContainer(st, 'c1', 30), stillRunning, 'an exited container whose system may run is not reported stopped');
  assert.equal(count('terminate'), 3);
  await stopContainer(st, 'c1', 30);
  assert.equal(count('terminate'), 4);
  assert.equal(unended(st), false);
  assert.deepEqual(calls.filter((c) => c === 'shutdown' || c === 'signal'), [], 'no graceful signal at all');
});

test('a graceful stop whose termination failed: the retried stop terminates at once, without a second CtrlShutdown', async (t) => {
  const { st, calls, count } = await stopJob(t, { fails: { system: 0, proc: 1 } });
  await assert.rejects(stopContainer(st, 'c1', 1), (e) => toServiceError(e).code === Status.PERMISSION_DENIED && /may still be running/.test(String((e as Error).message)));
  assert.equal(st.containers.get('c1')!.state, 'CONTAINER_RUNNING');
  assert.equal(count('signal'), 1, 'the first stop signalled the init');
  await stopContainer(st, 'c1', 30);
  assert.equal(st.containers.get('c1')!.state, 'CONTAINER_EXITED');
  assert.equal(count('signal'), 1, `the retry sent no second CtrlShutdown (calls: ${calls.join(', ')})`);
  assert.equal(count('shutdown'), 0);
  assert.equal(unended(st), false);
});

test('a graceful stop without a handle on the init: the system is asked to shut down once, the exit asking no second time', async (t) => {
  const { st, calls, count } = await stopJob(t, { fails: { system: 0, proc: 0 }, noInitHandle: true, shutdownEnds: true });
  await stopContainer(st, 'c1', 30);
  assert.equal(st.containers.get('c1')!.state, 'CONTAINER_EXITED');
  // The exit handling waits for the system (the shutdown timeout, 1 s) and terminates it: its handle closes then.
  await waitFor('the exit handling to end the system', () => count('close') === 2, poll);
  assert.equal(count('shutdown'), 1, `one shutdown, the stop's (calls: ${calls.join(', ')})`);
  assert.equal(count('terminate'), 1);
});

test('a graceful stop without a handle on the init whose shutdown is refused: an exit meanwhile still asks the shutdown', async (t) => {
  const { st, calls, count, exitNow } = await stopJob(t, { fails: { system: 0, proc: 0 }, noInitHandle: true, shutdownRefused: true });
  const stopped = stopContainer(st, 'c1', 30);
  await waitFor('the stop to ask the shutdown', () => count('shutdown') === 1, poll);
  await new Promise((r) => setImmediate(r)); // the refusal handled
  await exitNow();
  await stopped;
  await waitFor('the exit handling to ask the shutdown', () => count('shutdown') === 2, poll);
  assert.equal(count('shutdown'), 2, `the stop's, refused, and the exit's (calls: ${calls.join(', ')})`);
});
