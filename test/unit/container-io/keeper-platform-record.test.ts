/**
 * The IO keeper writes its record of a started container beside the platform's (CreateProcessOptions.recordLater):
 * the daemon hears the pid only once both are durable, and a platform record that cannot be made undoes the start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StartParams } from '../../../src/container-io/protocol.js';
import { isPlatformError, PlatformError, HRESULT } from '../../../src/platform/hresult.js';
import { keeperEnv } from './keeper-env.js';
import { serviceLost } from '../../../src/platform/emulator/connection-errors.js';
import { waitFor } from '../../helpers/wait-for.js';

const poll = { timeoutMs: 4000, intervalMs: 10 };

function setup(t: { after(fn: () => Promise<void> | void): void }) {
  const e = keeperEnv(t, { prefix: 'wincri-keeper-rec-' });
  const keeper = async () => { await e.startKeeper(); return e.client(); };
  const params = (id: string): StartParams => ({
    containerId: id, systemId: 'sys1', logPath: join(e.logDir, `${id}.log`),
    process: { CommandLine: 'app.exe', CreateStdOutPipe: true, CreateStdErrPipe: true },
  });
  const recordFile = (id: string) => join(e.stateDir, 'containers', `${id}.json`);
  return { compute: e.compute, keeper, params, recordFile, closeKeepers: () => e.closeKeepers() };
}

test('keeper: the pid is reported only once the platform has recorded the process too', async (t) => {
  const { compute, keeper, params, recordFile } = setup(t);
  const c = await keeper();
  let release!: () => void;
  compute.holdRecord = new Promise<void>((r) => { release = r; });
  let answered = false;
  const started = c.start(params('r1')).then((r) => { answered = true; return r; });
  await waitFor('the platform record to be awaited', () => compute.recordedCalls === 1, poll);
  await waitFor('the keeper record', () => existsSync(recordFile('r1')), poll);
  assert.equal(answered, false, 'the start was answered before the platform record was durable');
  release();
  const { pid } = await started;
  assert.equal(pid, compute.created[0]!.pid);
  assert.deepEqual((await c.list()).map((x) => x.containerId), ['r1']);
});

test('keeper: a platform record that fails undoes the start (process ended, no keeper record left)', async (t) => {
  const { compute, keeper, params, recordFile, closeKeepers } = setup(t);
  const c = await keeper();
  compute.failNextRecord = new PlatformError(HRESULT.E_FAIL, 'ProcessRecorded', 'service gone');
  await assert.rejects(c.start(params('r2')), (e) => isPlatformError(e, 'E_FAIL'));
  assert.ok(compute.created[0]!.exitStatus, 'the process was not terminated');
  assert.deepEqual(await c.list(), []);
  assert.equal(existsSync(recordFile('r2')), false);
  // A restarted keeper does not adopt it; the same container can be started again.
  await closeKeepers();
  const c2 = await keeper();
  assert.deepEqual(await c2.list(), []);
  const { pid } = await c2.start(params('r2'));
  assert.equal(pid, compute.created[1]!.pid);
});

test('keeper: where the platform tells the pid before connecting the pipes, both records are written meanwhile', async (t) => {
  const { compute, keeper, params, recordFile } = setup(t);
  compute.announcesPid = true;
  const c = await keeper();
  let connect!: () => void;
  compute.connectPipes = new Promise<void>((r) => { connect = r; });
  let answered = false;
  const started = c.start(params('r3')).then((r) => { answered = true; return r; });
  await waitFor('the keeper record', () => existsSync(recordFile('r3')), poll);
  await waitFor('the platform record to be awaited', () => compute.recordedCalls === 1, poll);
  const rec = JSON.parse(readFileSync(recordFile('r3'), 'utf8')) as { pid: number };
  assert.equal(rec.pid, compute.created[0]!.pid);
  assert.equal(answered, false, 'the start was answered before the pipes were connected');
  connect();
  const { pid } = await started;
  assert.equal(pid, compute.created[0]!.pid);
  assert.deepEqual((await c.list()).map((x) => x.containerId), ['r3']);
});

test('keeper: pipes that cannot be connected after the pid was told undo the start (no keeper record left)', async (t) => {
  const { compute, keeper, params, recordFile, closeKeepers } = setup(t);
  compute.announcesPid = true;
  const c = await keeper();
  compute.failNextConnect = serviceLost('AttachStdio'); // the service gone mid-handshake (connection-errors.ts)
  await assert.rejects(c.start(params('r4')), (e) => isPlatformError(e, 'HCS_E_SERVICE_DISCONNECT'));
  assert.ok(compute.created[0]!.exitStatus, 'the process was not terminated');
  assert.deepEqual(await c.list(), []);
  assert.equal(existsSync(recordFile('r4')), false);
  await closeKeepers();
  const c2 = await keeper();
  assert.deepEqual(await c2.list(), [], 'a restarted keeper adopted the failed start');
  const { pid } = await c2.start(params('r4'));
  assert.equal(pid, compute.created[1]!.pid);
});
