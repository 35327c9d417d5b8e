/**
 * The removal journal's states as settleRemovals reports them (network-reaper.ts, no root: a fake LinuxNet whose
 * objects are absent from this host): a namespace leaves the journal as soon as it is deleted (once, however often
 * it was journalled), and a removal that keeps failing is reported as failed with its count and error until it
 * succeeds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VethReaper, type Reaping } from '../../../../src/platform/emulator/service/network-reaper.js';
import type { LinuxNet } from '../../../../src/platform/emulator/service/linuxnet.js';

function fixture(deleteNetns: (n: string) => Promise<void>) {
  const j: Reaping = { veths: [], netns: [], rules: [] };
  const linux = { deleteNetns, removeVeth: async () => undefined, removeEndpointRules: async () => undefined } as unknown as LinuxNet;
  const r = new VethReaper(linux, () => j, async () => undefined, () => undefined);
  return { j, r };
}

test('reaper: a deleted namespace leaves the journal at once; a failing one is reported failed, never owned', async () => {
  let fail: string | undefined = 'EBUSY: held by a process';
  const { j, r } = fixture(async () => { if (fail) throw new Error(fail); });
  j.netns.push('wincri-ns1');
  await assert.rejects(r.deleteNamespace('wincri-ns1'), /EBUSY/);
  await assert.rejects(r.deleteNamespace('wincri-ns1'), /EBUSY/);
  assert.deepEqual(r.pending(), [{ name: 'wincri-ns1', state: 'failed', failures: 2, lastError: 'EBUSY: held by a process' }]);
  fail = undefined;
  await r.deleteNamespace('wincri-ns1');
  assert.deepEqual(j.netns, [], 'unjournalled once deleted, before its veths are confirmed');
  await r.settled();
  assert.deepEqual(r.pending(), []);
});

test('reaper: a journalled veth is in its grace period, then confirming with its namespace', async () => {
  let release!: () => void;
  const gate = new Promise<void>((res) => { release = res; });
  const { j, r } = fixture(() => gate);
  r.detached({ ep: 'ep-a', netns: 'wincri-ns2' });
  const [grace] = r.pending();
  assert.equal(grace!.state, 'grace');
  j.netns.push('wincri-ns2');
  const deleting = r.deleteNamespace('wincri-ns2');
  assert.ok(r.pending().every((p) => p.state === 'confirming'), JSON.stringify(r.pending()));
  release();
  await deleting;
  await r.settled();
  assert.deepEqual(r.pending(), [], 'the veth (absent from this host) is unjournalled once confirmed');
  await r.finishAll();
});
