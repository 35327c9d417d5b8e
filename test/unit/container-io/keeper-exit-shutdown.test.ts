/**
 * The IO keeper on the emulator: an init that exits while a process it left behind still holds its stdout gets its
 * system shut down (keeper-exit-shutdown.ts), so that process ends on SIGTERM, its goodbye reaches the log and
 * the exit is reported with the init's code and says the keeper asked the shutdown (the daemon asks none again); the
 * stopped system stays until the daemon acks the exit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keeperOnEmulator, runningSystem } from '../../helpers/keeper-world.js';
import { waitFor } from '../../helpers/wait-for.js';
import { isGone } from '../../../src/platform/hresult.js';
import type { ExitEvent } from '../../../src/container-io/protocol.js';

// The orphan sets its TERM trap, then tells the init (USR1), which exits 3; the orphan holds stdout meanwhile.
const INIT = 'sh -c "trap \'exit 3\' USR1; '
  + '(trap \'echo bye-from-orphan; exit 0\' TERM; kill -USR1 $$; while :; do sleep 0.1; done) & '
  + 'while :; do sleep 0.05; done"';

test('keeper on the emulator: a process left holding the stdout of an exited init is shut down and its last output logged', async (t) => {
  const w = await keeperOnEmulator(t, 'wincri-keeper-linger-');
  const { platform, client, logDir } = w;
  await runningSystem(platform, 'ctr1');
  const events: ExitEvent[] = [];
  await client.onExit((e) => events.push(e));
  const logPath = join(logDir, '0.log');
  await client.start({ containerId: 'ctr1', systemId: 'ctr1', logPath, process: { CommandLine: INIT, CreateStdOutPipe: true, CreateStdErrPipe: true } });

  await waitFor('exit reported', () => events.length === 1, { timeoutMs: 15_000 });
  assert.equal(events[0]!.exitCode, 3);
  assert.equal(events[0]!.shutdownAsked, true, 'the exit says the keeper asked the shutdown');
  assert.equal((await client.list()).find((a) => a.containerId === 'ctr1')?.exited?.shutdownAsked, true, 'so does list (replayed after a reconnection)');
  const recs = readFileSync(logPath, 'utf8').trimEnd().split('\n').map((l) => l.split(' ').slice(1).join(' '));
  assert.ok(recs.includes('stdout F bye-from-orphan'), `the orphan's goodbye is in the log: ${JSON.stringify(recs)}`);

  // The keeper keeps its handle of the system it shut down until the exit is acked: the daemon still reads it.
  // (Looked at through enumeration: a handle of the test's own would keep it.)
  const state = async () => (await platform.compute.enumerateComputeSystems()).find((s) => s.Id === 'ctr1')?.State;
  await waitFor('system no longer running', async () => (await state()) !== 'Running', { timeoutMs: 10_000 });
  assert.equal(await state(), 'Stopped', 'the stopped system is still there before the ack');
  await client.ack('ctr1');
  await waitFor('stopped system gone once acked', () => platform.compute.openComputeSystem('ctr1')
    .then((s) => { s.close(); return false; }, (e: unknown) => isGone(e)), { timeoutMs: 10_000 });
});
