/**
 * The keeper's exit report says whether it asked the container's system to shut down (keeper-exit-shutdown.ts), so
 * that the daemon does not ask a second time: said when the ask went out (and when the system was stopped already),
 * not when the pipes closed within the grace nor when the ask failed; said again by the replay of a keeper
 * restarted after the report, and by the report of a keeper restarted between its ask and the report, which asks
 * nothing itself. On the fake platform (./fake-platform.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlatformError, HRESULT } from '../../../src/platform/hresult.js';
import { keeperEnv, exitEvents as exits, startedInit, type KeeperEnv, type KeeperEnvOptions } from './keeper-env.js';
import { keeperPlatform } from '../../../src/daemon/keeper-deadlines.js';
import { waitFor } from '../../helpers/wait-for.js';

const poll = { timeoutMs: 5000, intervalMs: 10 };

/** A keeper and a subscribed client; `id`'s init started with stdout and stderr pipes. */
async function started(t: Parameters<typeof keeperEnv>[0], id: string, wrapPlatform?: KeeperEnvOptions['wrapPlatform']) {
  return startedInit(keeperEnv(t, { prefix: 'wincri-keeper-asked-', drainTimeoutMs: 60_000, wrapPlatform }), id);
}

/** The init exits with its pipes held; once the keeper asked the shutdown, the pipes close. */
async function lingers(e: KeeperEnv, proc: Awaited<ReturnType<typeof started>>['proc']): Promise<void> {
  proc.exit(3);
  await waitFor('the keeper to ask a shutdown', () => e.compute.shutdownCalls === 1, poll);
  proc.endOutput();
}

test('keeper: the exit of an init whose pipes lingered says the shutdown was asked, in the event and in every replay', async (t) => {
  const { e, c, events, proc } = await started(t, 'a1');
  e.compute.shutdownFails = undefined;
  await lingers(e, proc);
  await waitFor('exit reported', () => events.length === 1, poll);
  assert.equal(events[0]!.exitCode, 3);
  assert.equal(events[0]!.shutdownAsked, true, 'the event says the keeper asked');
  assert.equal((await c.list())[0]!.exited?.shutdownAsked, true, 'list says it too');
  // A restarted keeper replays the unacked exit from its record, with the flag.
  await e.closeKeepers();
  await e.startKeeper();
  const replayed = await exits(await e.client());
  await waitFor('exit replayed', () => replayed.length === 1, poll);
  assert.equal(replayed[0]!.exitedAt, events[0]!.exitedAt, 'the same exit');
  assert.equal(replayed[0]!.shutdownAsked, true, 'the replay says the keeper asked');
});

test('keeper: an ask answered "already stopped" counts as asked, one without an answer as asked unconfirmed; one refused does not', async (t) => {
  const cases = [
    ['HCS_E_SYSTEM_ALREADY_STOPPED', true, undefined], ['E_FAIL', undefined, undefined],
    ['HCS_E_OPERATION_TIMEOUT', true, true], ['HCS_E_SERVICE_DISCONNECT', true, true],
  ] as const;
  for (const [hr, asked, unconfirmed] of cases) {
    const { e, c, events, proc } = await started(t, `f-${hr.toLowerCase().replaceAll('_', '-')}`);
    e.compute.shutdownFails = new PlatformError(HRESULT[hr], 'HcsShutDownComputeSystem', 'injected');
    await lingers(e, proc);
    await waitFor('exit reported', () => events.length === 1, poll);
    assert.equal(events[0]!.shutdownAsked, asked, `${hr}: the event's shutdownAsked`);
    assert.equal(events[0]!.shutdownUnconfirmed, unconfirmed, `${hr}: the event's shutdownUnconfirmed`);
    const listed = (await c.list())[0]!.exited;
    assert.deepEqual([listed?.shutdownAsked, listed?.shutdownUnconfirmed], [asked, unconfirmed], `${hr}: list says the same`);
  }
});

test('keeper: an ask that reached the platform call deadline counts as asked, unconfirmed, and is not asked again after a restart', async (t) => {
  // The keeper's platform calls have the daemon's per-call deadline (daemon/keeper-deadlines.ts), here 0.2 s.
  const { e, events, proc } = await started(t, 'deadline', (p) => keeperPlatform(p, 0.2));
  let answer!: () => void;
  e.compute.holdShutdown = new Promise<void>((r) => { answer = r; });
  e.compute.shutdownFails = undefined;
  proc.exit(3);
  await waitFor('the keeper to ask a shutdown', () => e.compute.shutdownCalls === 1, poll);
  // Past the deadline the ask is recorded unconfirmed; a keeper restarted then reports it and asks nothing itself.
  const file = join(e.stateDir, 'containers', 'deadline.json');
  await waitFor('the unanswered ask recorded', () => (JSON.parse(readFileSync(file, 'utf8')) as { shutdownUnconfirmed?: boolean }).shutdownUnconfirmed, poll);
  assert.equal(events.length, 0, 'the pipes are still held: no exit reported yet');
  await e.closeKeepers();
  answer();
  await e.startKeeper();
  const replayed = await exits(await e.client());
  await waitFor('exit reported by the new keeper', () => replayed.length === 1, poll);
  assert.equal(replayed[0]!.shutdownAsked, true);
  assert.equal(replayed[0]!.shutdownUnconfirmed, true);
  assert.equal(e.compute.shutdownCalls, 1, 'no second ask');
  proc.endOutput();
});

test('keeper: the exit of an init whose pipes closed with it asks no shutdown and says none', async (t) => {
  const { e, events, proc } = await started(t, 'n1');
  e.compute.shutdownFails = undefined;
  proc.endOutput();
  proc.exit(0);
  await waitFor('exit reported', () => events.length === 1, poll);
  assert.equal(e.compute.shutdownCalls, 0);
  assert.equal(events[0]!.shutdownAsked, undefined);
});

test('keeper: a keeper restarted between its shutdown ask and the exit report reports the ask (recorded at it)', async (t) => {
  const { e, proc } = await started(t, 'r1');
  e.compute.shutdownFails = undefined;
  proc.exit(3);
  await waitFor('the keeper to ask a shutdown', () => e.compute.shutdownCalls === 1, poll);
  // Closing the keeper waits for its record writes; the pipes are still held, so no exit was reported.
  await e.closeKeepers();
  const rec = JSON.parse(readFileSync(join(e.stateDir, 'containers', 'r1.json'), 'utf8')) as { exited?: unknown; shutdownAsked?: boolean };
  assert.equal(rec.exited, undefined, 'the exit was not recorded before the restart');
  assert.equal(rec.shutdownAsked, true, 'the ask was');
  await e.startKeeper();
  const events = await exits(await e.client());
  // The process is gone for the new keeper: its exit is reported as lost, with the previous keeper's ask.
  await waitFor('exit reported by the new keeper', () => events.length === 1, poll);
  assert.equal(events[0]!.shutdownAsked, true, 'the new keeper reports the previous keeper\'s ask');
  assert.equal(e.compute.shutdownCalls, 1, 'and asks no shutdown itself');
});
