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
import type { ExitEvent } from '../../../src/container-io/protocol.js';
import type { KeeperClient } from '../../../src/container-io/keeper-client.js';
import { keeperEnv, type KeeperEnv } from './keeper-env.js';
import { waitFor } from '../../helpers/wait-for.js';

const poll = { timeoutMs: 5000, intervalMs: 10 };

async function exits(c: KeeperClient): Promise<ExitEvent[]> {
  const out: ExitEvent[] = [];
  await c.onExit((e) => out.push(e));
  return out;
}

/** A keeper and a subscribed client; `id`'s init started with stdout and stderr pipes. */
async function started(t: Parameters<typeof keeperEnv>[0], id: string) {
  const e = keeperEnv(t, { prefix: 'wincri-keeper-asked-', drainTimeoutMs: 60_000 });
  await e.startKeeper();
  const c = await e.client();
  const events = await exits(c);
  await c.start({ containerId: id, systemId: 'sys1', logPath: join(e.logDir, `${id}.log`),
    process: { CommandLine: 'app.exe', CreateStdOutPipe: true, CreateStdErrPipe: true } });
  return { e, c, events, proc: e.compute.created[0]! };
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

test('keeper: an ask answered "already stopped" counts as asked; one that failed otherwise does not', async (t) => {
  for (const [hr, asked] of [['HCS_E_SYSTEM_ALREADY_STOPPED', true], ['E_FAIL', undefined]] as const) {
    const { e, events, proc } = await started(t, `f-${hr.toLowerCase().replaceAll('_', '-')}`);
    e.compute.shutdownFails = new PlatformError(HRESULT[hr], 'HcsShutDownComputeSystem', 'injected');
    await lingers(e, proc);
    await waitFor('exit reported', () => events.length === 1, poll);
    assert.equal(events[0]!.shutdownAsked, asked, `${hr}: the event's shutdownAsked`);
  }
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
