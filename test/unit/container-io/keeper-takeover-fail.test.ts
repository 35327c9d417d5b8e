/**
 * A restarted IO keeper whose takeover of a running container fails: a failure that can pass (the compute service
 * away) is retried, and the container is watched as before; a failure that cannot pass reports the container's
 * exit as lost (code unknown) instead of leaving it running with nothing watching it.
 */
import { test, type TestContext } from 'node:test';
import { PassThrough } from 'node:stream';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { UNKNOWN_EXIT_CODE } from '../../../src/container-io/keeper-context.js';
import type { ExitEvent } from '../../../src/container-io/protocol.js';
import type { ComputeSystem, ProcessStdio } from '../../../src/platform/types.js';
import { PlatformError, HRESULT } from '../../../src/platform/hresult.js';
import { keeperEnv } from './keeper-env.js';
import { quiet } from '../../helpers/keeper-world.js';
import type { Logger } from '../../../src/util/log.js';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * A container started by a first keeper, which then closes (the container runs on); `reopenOutput` is what the
 * next keeper's opened process does when asked for its output back. Returns that next keeper's exit events.
 */
async function restartWith(t: TestContext, reopenOutput: () => Promise<ProcessStdio>, log?: Logger, recoveryGiveUpMs?: number) {
  const e = keeperEnv(t, { prefix: 'wincri-keeper-takeover-fail-', recoveryRetryMs: 20, log, recoveryGiveUpMs });
  const { compute } = e;
  const k1 = await e.startKeeper();
  const c1 = await e.client();
  const logPath = join(e.logDir, 'c1.log');
  await c1.start({
    containerId: 'c1', systemId: 'sys1', logPath,
    process: { CommandLine: 'cmd /c app.exe', CreateStdOutPipe: true, CreateStdErrPipe: true },
  });
  const proc = await compute.processAt(0);
  await c1.close();
  await k1.close(); // the container runs on

  const open = compute.openComputeSystem.bind(compute);
  compute.openComputeSystem = async (id: string): Promise<ComputeSystem> => {
    const sys = await open(id);
    return { ...sys, openProcess: async (pid: number) => ({ ...(await sys.openProcess(pid)), reopenOutput: () => reopenOutput() }) };
  };
  await e.startKeeper();
  const c2 = await e.client();
  const exits: ExitEvent[] = [];
  await c2.onExit((ev) => exits.push(ev));
  return { proc, exits, c2, logPath };
}

test('a takeover that fails for good reports the running container\'s exit as lost', async (t) => {
  const { proc, exits, c2 } = await restartWith(t, () => { throw new Error('injected: reopen failed'); });
  // A bound on the wait, not a timing assertion: without the loss report no exit ever comes.
  await waitFor('the lost exit', () => exits.length > 0, { timeoutMs: 10_000, intervalMs: 10 });
  assert.equal(proc.exitStatus, undefined, 'the process itself was not ended by the keeper');
  assert.equal(exits[0]!.containerId, 'c1');
  assert.equal(exits[0]!.exitCode, UNKNOWN_EXIT_CODE);
  const [info] = await c2.list();
  assert.equal(info!.exited?.lost, true, 'recorded as lost');
});

test('a takeover that fails while the service is away is retried: output pumped, the real exit reported', async (t) => {
  let attempts = 0;
  // The pipes as the platform hands them to the new owner (the first keeper's ends were closed with it).
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const { proc, exits, logPath } = await restartWith(t, async () => {
    if (++attempts <= 2) throw new PlatformError(HRESULT.HCS_E_SERVICE_NOT_AVAILABLE, 'HcsGetProcessInfo');
    return { stdout, stderr };
  });
  await waitFor('the third takeover attempt', () => attempts >= 3, { timeoutMs: 10_000, intervalMs: 10 });
  stdout.write('after the restart\n');
  await waitFor('the output in the log', () => existsSync(logPath) && readFileSync(logPath, 'utf8').includes('after the restart'),
    { timeoutMs: 10_000, intervalMs: 10 });
  assert.equal(exits.length, 0, 'no exit reported while the container runs');
  proc.exit(7);
  stdout.end();
  stderr.end();
  await waitFor('the exit', () => exits.length > 0, { timeoutMs: 10_000, intervalMs: 10 });
  assert.equal(exits[0]!.exitCode, 7, 'the real exit code, not a lost one');
  assert.equal(exits.length, 1, 'one exit');
});

test('output the platform cannot hand back for good is said in the log, with what to do; the container runs on to its real exit', async (t) => {
  const warnings: string[] = [];
  const log: Logger = { ...quiet, warn: (msg: string) => { warnings.push(msg); }, child: () => log };
  const { proc, exits } = await restartWith(t, async () => {
    throw new PlatformError(HRESULT.ERROR_SHARING_VIOLATION, 'AttachStdio', 'stdout of process 1 in sys1 is still attached to another reader');
  }, log);
  await waitFor('the warning', () => warnings.some((w) => w.startsWith('cannot reopen output')), { timeoutMs: 10_000, intervalMs: 10 });
  assert.match(warnings.find((w) => w.startsWith('cannot reopen output'))!, /not logged; restart the container to log it again/);
  assert.equal(exits.length, 0, 'no exit reported while the container runs');
  proc.exit(3);
  await waitFor('the exit', () => exits.length > 0, { timeoutMs: 10_000, intervalMs: 10 });
  assert.equal(exits[0]!.exitCode, 3, 'the real exit code, not a lost one');
});

test('a stream another reader keeps is given up alone: the other stream is logged on, the held one said in the log', async (t) => {
  const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
  const log: Logger = { ...quiet, warn: (msg: string, fields?: Record<string, unknown>) => { warnings.push({ msg, fields }); }, child: () => log };
  const stderr = new PassThrough();
  const held = new PlatformError(HRESULT.ERROR_SHARING_VIOLATION, 'AttachStdio', 'stdout of process 1 in sys1 is still attached to another reader');
  const { proc, exits, logPath } = await restartWith(t, async () => ({ stderr, held: { stdout: held } }), log);
  await waitFor('the warning', () => warnings.some((w) => w.msg.startsWith('cannot reopen stdout')), { timeoutMs: 10_000, intervalMs: 10 });
  const w = warnings.find((x) => x.msg.startsWith('cannot reopen stdout'))!;
  assert.match(w.msg, /not logged; restart the container to log it again/);
  assert.equal(w.fields?.err, held, 'the platform\'s error, with what to check');
  assert.ok(!warnings.some((x) => x.msg.startsWith('cannot reopen stderr')), 'the free stream is not reported');
  stderr.write('still logged\n');
  await waitFor('stderr in the log', () => existsSync(logPath) && readFileSync(logPath, 'utf8').includes('still logged'), { timeoutMs: 10_000, intervalMs: 10 });
  proc.exit(4);
  stderr.end();
  await waitFor('the exit', () => exits.length > 0, { timeoutMs: 10_000, intervalMs: 10 });
  assert.equal(exits[0]!.exitCode, 4, 'the real exit code');
});

test('a process gone under the output\'s reopen reports the container\'s exit as lost, not a container left watched for an exit never told', async (t) => {
  const { proc, exits } = await restartWith(t, async () => { throw new PlatformError(HRESULT.ERROR_NOT_FOUND, 'AttachStdio', 'process 1 not found in sys1'); });
  // A bound on the wait, not a timing assertion: without the report no exit comes (the fake process never exits).
  await waitFor('the lost exit', () => exits.length > 0, { timeoutMs: 10_000, intervalMs: 10 });
  assert.equal(proc.exitStatus, undefined, 'the keeper did not end the process');
  assert.equal(exits[0]!.exitCode, UNKNOWN_EXIT_CODE);
});

test('output that stays unavailable past the give-up (the system and process opened) is given up, not the running container', async (t) => {
  const warnings: string[] = [];
  const log: Logger = { ...quiet, warn: (msg: string) => { warnings.push(msg); }, child: () => log };
  let attempts = 0;
  const { proc, exits } = await restartWith(t, async () => {
    attempts++;
    throw new PlatformError(HRESULT.HCS_E_SERVICE_NOT_AVAILABLE, 'AttachStdio');
  }, log, 300);
  await waitFor('the warning', () => warnings.some((w) => w.startsWith('cannot reopen output')), { timeoutMs: 10_000, intervalMs: 10 });
  assert.ok(attempts > 1, 'retried while tries were left');
  assert.equal(exits.length, 0, 'no lost exit reported for a container that runs on');
  proc.exit(5);
  await waitFor('the exit', () => exits.length > 0, { timeoutMs: 10_000, intervalMs: 10 });
  assert.equal(exits[0]!.exitCode, 5, 'the real exit code, not a lost one');
});
