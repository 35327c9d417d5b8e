/**
 * An exit the IO keeper reports with shutdownAsked (it shut the system down itself: processes left behind held the
 * init's stdio) gets no second shutdown from the runtime — a HostProcess container's processes would get a second
 * CtrlShutdown — but its system is still waited for and terminated when it has not stopped within the shutdown
 * timeout; an exit without it (a keeper from before it) is shut down as before. handleExit on a stand-in job
 * backend whose calls are recorded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RuntimeState, type StoredContainer, type RuntimeOptions } from '../../../src/runtime/state.js';
import { RecordStore } from '../../../src/runtime/store.js';
import { handleExit } from '../../../src/runtime/exits.js';
import type { SandboxRecord } from '../../../src/runtime/model.js';
import { PlatformError, HRESULT } from '../../../src/platform/hresult.js';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * A runtime with running HostProcess container c1 whose job records the calls made on it. `stopsOn`: what ends
 * the job — its shutdown ('shutdown', a program that handles CtrlShutdown), only its terminate ('terminate', one
 * that ignores it), or the test ('test': the keeper's ask taking effect).
 */
async function setup(t: { after(fn: () => void): void }, stopsOn: 'shutdown' | 'terminate' | 'test') {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-exit-asked-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const calls: string[] = [];
  let stop!: () => void;
  const stopped = new Promise<{ Status: number }>((r) => { stop = () => r({ Status: 0 }); });
  const job = {
    id: 'c1',
    waitExit: () => { calls.push('waitExit'); return stopped; },
    shutdown: async () => { calls.push('shutdown'); if (stopsOn === 'shutdown') stop(); },
    terminate: async () => { calls.push('terminate'); stop(); },
    close: () => { calls.push('close'); },
  };
  const gone = async (): Promise<never> => { throw new PlatformError(HRESULT.HCS_E_SYSTEM_NOT_FOUND, 'HcsOpenComputeSystem'); };
  const opts = {
    platform: {
      compute: { openComputeSystem: gone }, // the OOM query: no compute system for a job container
      jobs: { openComputeSystem: async () => { calls.push('open'); return job; } },
    },
    keeper: { ack: async () => undefined, forget: async () => undefined },
    shutdownTimeoutSeconds: 1,
  } as unknown as RuntimeOptions;
  const st = new RuntimeState(opts, await RecordStore.open<SandboxRecord>(join(dir, 's')), await RecordStore.open<StoredContainer>(join(dir, 'c')));
  await st.containers.save({ id: 'c1', sandboxId: 'p1', state: 'CONTAINER_RUNNING', spec: { windows: { hostProcess: true } } } as unknown as StoredContainer);
  /** The runtime's handling of the system is over (its handle closed). */
  const done = () => waitFor('the runtime to close its handle of the job', () => calls.includes('close'), { timeoutMs: 15_000, intervalMs: 10 });
  return { st, calls, stop, done };
}

const report = { containerId: 'c1', pid: 4, exitCode: 0, exitedAt: '1765000000000000000' };

test('an exit the keeper asked a shutdown for: no shutdown from the runtime; a job still running after the timeout is terminated', async (t) => {
  const { st, calls, done } = await setup(t, 'terminate');
  await handleExit(st, { ...report, shutdownAsked: true });
  assert.equal(st.containers.get('c1')!.state, 'CONTAINER_EXITED');
  await done();
  assert.deepEqual(calls, ['open', 'waitExit', 'terminate', 'close']);
});

test('an exit the keeper asked a shutdown for: a job that stops by itself is neither shut down nor terminated', async (t) => {
  const { st, calls, stop, done } = await setup(t, 'test');
  await handleExit(st, { ...report, shutdownAsked: true });
  await waitFor('the runtime to wait for the job', () => calls.includes('waitExit'), { timeoutMs: 5000, intervalMs: 10 });
  stop();
  await done();
  assert.deepEqual(calls, ['open', 'waitExit', 'close']);
});

test('an exit whose keeper ask got no answer (shutdownUnconfirmed): no shutdown from the runtime; terminated after the timeout', async (t) => {
  const { st, calls, done } = await setup(t, 'terminate');
  await handleExit(st, { ...report, shutdownAsked: true, shutdownUnconfirmed: true });
  await done();
  assert.deepEqual(calls, ['open', 'waitExit', 'terminate', 'close']);
});

test('an exit without shutdownAsked (a keeper from before it): one shutdown, as before', async (t) => {
  const { st, calls, done } = await setup(t, 'shutdown');
  await handleExit(st, report);
  await done();
  assert.deepEqual(calls, ['open', 'waitExit', 'shutdown', 'close']);
});
