/**
 * The handle of a system the keeper asked to shut down is kept for the daemon's ack of the exit
 * (keeper-exit-shutdown.ts); a start undone meanwhile (the platform's record failed: the entry is forgotten, no ack
 * ever comes) must not keep it: it is closed when the exit is finished, or when the start is undone after that.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PlatformError, HRESULT } from '../../../src/platform/hresult.js';
import { keeperEnv } from './keeper-env.js';
import { waitFor } from '../../helpers/wait-for.js';

const poll = { timeoutMs: 5000, intervalMs: 10 };

/** A keeper whose start of `id` waits on the platform's record while its init exits with the pipes held, until the keeper asks a shutdown. */
async function exitedDuringStart(t: Parameters<typeof keeperEnv>[0], id: string) {
  const e = keeperEnv(t, { prefix: 'wincri-keeper-forgot-', drainTimeoutMs: 60_000 });
  await e.startKeeper();
  const c = await e.client();
  const { compute } = e;
  let release!: () => void;
  compute.holdRecord = new Promise<void>((r) => { release = r; });
  const started = c.start({
    containerId: id, systemId: 'sys1', logPath: join(e.logDir, `${id}.log`),
    process: { CommandLine: 'app.exe', CreateStdOutPipe: true, CreateStdErrPipe: true },
  }).then(() => undefined, (err: unknown) => err);
  await waitFor('the platform record to be awaited', () => compute.recordedCalls === 1, poll);
  const proc = compute.created[0]!;
  // The init exits with its pipes held open: after the grace the keeper asks the system to shut down.
  proc.exit(0);
  await waitFor('the keeper to ask a shutdown', () => compute.shutdownCalls === 1, poll);
  /** The platform's record fails: the start is undone and the entry forgotten. */
  const undo = async () => {
    compute.failNextRecord = new PlatformError(HRESULT.E_FAIL, 'ProcessRecorded', 'service gone');
    release();
    assert.ok(await started, 'the start was not undone');
  };
  return { c, compute, proc, undo };
}

test('keeper: an exit finished after its start was undone closes the system handle the shutdown ask kept', async (t) => {
  const { c, compute, proc, undo } = await exitedDuringStart(t, 'f1');
  // The start is undone while its exit is still draining.
  await undo();
  proc.endOutput();
  await waitFor('the system handle closed', () => compute.openHandles === 0, poll);
  assert.deepEqual(await c.list(), []);
});

test('keeper: a start undone after its exit was finished closes the system handle the shutdown ask kept', async (t) => {
  const { c, compute, proc, undo } = await exitedDuringStart(t, 'f2');
  proc.endOutput();
  await waitFor('the exit finished', async () => (await c.list()).some((x) => x.containerId === 'f2' && x.exited), poll);
  await undo();
  await waitFor('the system handle closed', () => compute.openHandles === 0, poll);
  assert.deepEqual(await c.list(), []);
});
