/**
 * The mark of a container a stop could not end is saved with its record: after a daemon restart recovery terminates
 * the exited container's system again, StopContainer still fails while the system cannot be ended (never answering
 * success while it may run) and sends no graceful signal; the stop that ends it clears the mark on disk. A system
 * gone across the restart leaves nothing to end: recovery clears the mark. On a stand-in HostProcess job
 * (./stop-job.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import { stopContainer } from '../../../src/runtime/container-stop.js';
import { recover } from '../../../src/runtime/recovery.js';
import { toServiceError } from '../../../src/cri/errors.js';
import { waitFor } from '../../helpers/wait-for.js';
import { stopJob, unended } from './stop-job.js';

const poll = { timeoutMs: 15_000, intervalMs: 10 };

const stillRunning = (e: unknown): boolean => {
  const s = toServiceError(e);
  return s.code === Status.DEADLINE_EXCEEDED && /may still be running/.test(s.details ?? '');
};

/** c1's record as written to disk. */
const onDisk = (dir: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, 'c', 'c1.json'), 'utf8')) as Record<string, unknown>;

test('the unended mark survives a daemon restart: recovery terminates the system again, StopContainer fails until it ends, then clears the mark on disk', async (t) => {
  const { st, calls, count, restart, dir } = await stopJob(t, { fails: { system: 4, proc: 0 }, keeperAsked: true });
  await assert.rejects(stopContainer(st, 'c1', 0), stillRunning);
  await waitFor('the exit handling to try to terminate the system again', () => count('terminate') === 2, poll);
  assert.equal(st.containers.get('c1')!.state, 'CONTAINER_EXITED');
  const st2 = await restart();
  assert.equal(onDisk(dir).unended, true, 'the mark is on disk');
  assert.equal(unended(st2), true, 'the restarted daemon reads the mark back');
  await recover(st2);
  await waitFor('recovery to terminate the system again', () => count('terminate') === 3, poll);
  await assert.rejects(stopContainer(st2, 'c1', 30), stillRunning, 'not reported stopped while the system may still run');
  assert.equal(count('terminate'), 4);
  await stopContainer(st2, 'c1', 30);
  assert.equal(count('terminate'), 5);
  const st3 = await restart();
  assert.equal(onDisk(dir).unended, undefined, 'the mark is cleared on disk once the system ended');
  await stopContainer(st3, 'c1', 30);
  assert.equal(count('terminate'), 5, 'nothing left to end after the next restart');
  assert.deepEqual(calls.filter((c) => c === 'shutdown' || c === 'signal'), [], 'no graceful signal at all');
});

test('a container marked unended whose system is gone after the restart: recovery clears the mark, the stop succeeds with nothing to end', async (t) => {
  const { st, count, restart, listed, dir } = await stopJob(t, { fails: { system: 2, proc: 0 }, keeperAsked: true });
  await assert.rejects(stopContainer(st, 'c1', 0), stillRunning);
  await waitFor('the exit handling to try to terminate the system again', () => count('terminate') === 2, poll);
  listed.job = false; // the job ended while the daemon was down
  const st2 = await restart();
  await recover(st2);
  assert.equal(unended(st2), false);
  await st2.containers.flush();
  assert.equal(onDisk(dir).unended, undefined, 'cleared on disk too');
  await stopContainer(st2, 'c1', 30);
  assert.equal(count('terminate'), 2, 'the stop had nothing to end');
});
