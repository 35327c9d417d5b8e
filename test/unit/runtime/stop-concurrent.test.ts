/**
 * Two StopContainers of one container in flight at once: the second sends no second graceful signal (the first's
 * shutdown ask stays the one cause of the coming exit, which asks none of its own) and returns only once the
 * container stopped; a forced stop cuts a graceful one's grace period short instead of waiting it out. On a
 * stand-in HostProcess job (./stop-job.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stopContainer } from '../../../src/runtime/container-stop.js';
import { waitFor } from '../../helpers/wait-for.js';
import { stopJob } from './stop-job.js';

const poll = { timeoutMs: 15_000, intervalMs: 10 };
/** Lets every pending promise callback run (the stand-ins do no I/O): a stop goes as far as it can on its own. */
const settled = (): Promise<void> => new Promise((r) => setImmediate(r));

test('two graceful stops without a handle on the init: one shutdown ask in all, the second returns once the container stopped', async (t) => {
  const { st, calls, count, exitNow } = await stopJob(t, { fails: { system: 0, proc: 0 }, noInitHandle: true });
  const first = stopContainer(st, 'c1', 30);
  await waitFor('the first stop to ask the shutdown', () => count('shutdown') === 1, poll);
  let secondReturned = false;
  const second = stopContainer(st, 'c1', 30).then(() => { secondReturned = true; return st.containers.get('c1')!.state; });
  await settled();
  assert.equal(count('shutdown'), 1, `the second stop asked no second shutdown (calls: ${calls.join(', ')})`);
  assert.equal(secondReturned, false, 'the second stop waits while the container runs');
  await exitNow(); // the init handles the shutdown ask and exits
  assert.equal(await second, 'CONTAINER_EXITED', 'the second stop returned after the container stopped');
  await first;
  // The exit handling waits for the asked shutdown (the shutdown timeout, 1 s) and terminates the system.
  await waitFor('the exit handling to end the system', () => count('terminate') === 1, poll);
  assert.equal(count('shutdown'), 1, `the exit was the stop's: no shutdown of its own (calls: ${calls.join(', ')})`);
});

test('a forced stop while a graceful one waits: the grace period ends at once, one CtrlShutdown and one termination in all', async (t) => {
  const { st, calls, count } = await stopJob(t, { fails: { system: 0, proc: 0 } });
  // An hour of grace: the forced stop below returns only because it cuts that short (or does the job itself).
  const first = stopContainer(st, 'c1', 3600);
  await waitFor('the graceful stop to signal the init', () => count('signal') === 1, poll);
  await stopContainer(st, 'c1', 0);
  assert.equal(st.containers.get('c1')!.state, 'CONTAINER_EXITED');
  await first;
  assert.equal(count('signal'), 1, `one CtrlShutdown (calls: ${calls.join(', ')})`);
  assert.equal(count('init terminate'), 1, `the init terminated once (calls: ${calls.join(', ')})`);
  assert.equal(count('terminate'), 1, `the job terminated once (calls: ${calls.join(', ')})`);
});

test('a stop asked while one fails: it takes its turn after the failure and terminates at once, without a second graceful signal', async (t) => {
  const { st, calls, count } = await stopJob(t, { fails: { system: 0, proc: 1 } });
  const first = stopContainer(st, 'c1', 3600).then(() => undefined, (e: unknown) => e);
  await waitFor('the graceful stop to signal the init', () => count('signal') === 1, poll);
  const second = stopContainer(st, 'c1', 0);
  // The forced stop cut the first one's grace short: its termination of the init fails (access denied).
  assert.ok((await first) instanceof Error, 'the first stop failed');
  await second;
  assert.equal(st.containers.get('c1')!.state, 'CONTAINER_EXITED');
  assert.equal(count('signal'), 1, `no second CtrlShutdown (calls: ${calls.join(', ')})`);
  assert.equal(count('init terminate'), 2, `the first stop's failed termination, the second's (calls: ${calls.join(', ')})`);
});
