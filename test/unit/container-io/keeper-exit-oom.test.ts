/**
 * An OOM kill outlives the compute system: the keeper reads the system's OOM count at the init's exit and reports it
 * with the exit (oomKilled), in the event, in list, and in the replay of a keeper restarted before the daemon's ack
 * once the system is gone (a system the keeper shut down disappears with the keeper's handle); a keeper restarted
 * between its shutdown ask and the report reports it from the record the ask wrote. No OOM kill: nothing said. On
 * the fake platform (./fake-platform.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keeperEnv, exitEvents as exits, startedInit } from './keeper-env.js';
import { waitFor } from '../../helpers/wait-for.js';

const poll = { timeoutMs: 5000, intervalMs: 10 };

/** A keeper, a subscribed client and `id`'s init, with pipes; shutdowns succeed; `oomKills` reported by sys1. */
async function started(t: Parameters<typeof keeperEnv>[0], id: string, oomKills: number) {
  const e = keeperEnv(t, { prefix: 'wincri-keeper-oom-', drainTimeoutMs: 60_000 });
  e.compute.shutdownFails = undefined;
  e.compute.oomKills = oomKills;
  return startedInit(e, id);
}

test('keeper: an OOM kill seen at the exit is reported with it, and replayed after a keeper restart once the system is gone', async (t) => {
  const { e, c, events, proc } = await started(t, 'o1', 1);
  proc.exit(137);
  await waitFor('the keeper to ask a shutdown', () => e.compute.shutdownCalls === 1, poll);
  proc.endOutput();
  await waitFor('exit reported', () => events.length === 1, poll);
  assert.equal(events[0]!.oomKilled, true, 'the event says OOM-killed');
  assert.equal((await c.list())[0]!.exited?.oomKilled, true, 'so does list');
  // Not acked; the keeper restarts, and the system it shut down disappears with its handle.
  await e.closeKeepers();
  e.compute.systems.delete('sys1');
  await e.startKeeper();
  const replayed = await exits(await e.client());
  await waitFor('exit replayed', () => replayed.length === 1, poll);
  assert.equal(replayed[0]!.exitedAt, events[0]!.exitedAt, 'the same exit');
  assert.equal(replayed[0]!.oomKilled, true, 'the replay says OOM-killed');
});

test('keeper: restarted between its shutdown ask and the report, the OOM kill recorded at the ask is reported', async (t) => {
  const { e, proc } = await started(t, 'o2', 1);
  proc.exit(137);
  await waitFor('the keeper to ask a shutdown', () => e.compute.shutdownCalls === 1, poll);
  await e.closeKeepers();
  e.compute.systems.delete('sys1');
  await e.startKeeper();
  const events = await exits(await e.client());
  // The system is gone for the new keeper: the exit is reported as lost, with the OOM kill the ask recorded.
  await waitFor('exit reported by the new keeper', () => events.length === 1, poll);
  assert.equal(events[0]!.oomKilled, true);
});

test('keeper: an exit without an OOM kill says none', async (t) => {
  const { c, events, proc } = await started(t, 'o3', 0);
  proc.endOutput();
  proc.exit(1);
  await waitFor('exit reported', () => events.length === 1, poll);
  assert.equal(events[0]!.oomKilled, undefined);
  assert.equal((await c.list())[0]!.exited?.oomKilled, undefined);
});
