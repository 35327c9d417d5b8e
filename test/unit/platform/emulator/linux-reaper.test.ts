/**
 * The emulator's deferred veth removal (network-reaper.ts, root only): a detached endpoint's veth goes with its
 * namespace, after its grace period when the namespace lives on, at once when an attach could clash with it, and
 * a service killed while removals were pending finishes them when it starts again. HcnDeleteNamespace answers
 * before the kernel has removed the namespace's veths: settleRemovals waits for that and names what is still
 * journalled (owned by the service, never a leak).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setup, until, alive } from './helpers.js';
import { rootNetworkingSkipReason, freeSubnet, labelledObjects } from '../../../helpers/netns.js';
import { netnsName, vethName } from '../../../../src/platform/emulator/service/linuxnet.js';
import type { EmulatorPlatform } from '../../../../src/platform/emulator/index.js';

const skip = rootNetworkingSkipReason();
// Long enough that nothing is removed by the grace period's sweep while a test looks (the service inherits it).
process.env.WINCRI_EMU_VETH_GRACE_MS = '60000';
// Likewise the wait for the kernel to remove a deleted namespace's veths (one case shortens it for a restart).
process.env.WINCRI_EMU_REAP_WAIT_MS = '60000';

const links = () => labelledObjects().links;
const readlinkOr = (p: string) => { try { return readlinkSync(p); } catch { return ''; } };
const add = (epId: string) => ({ ResourceType: 'Endpoint' as const, RequestType: 'Add' as const, Settings: { EndpointId: epId } });
const remove = (epId: string) => ({ ResourceType: 'Endpoint' as const, RequestType: 'Remove' as const, Settings: { EndpointId: epId } });

async function network(p: EmulatorPlatform): Promise<string> {
  const sub = freeSubnet();
  const netId = randomUUID();
  await p.network.createNetwork(netId, {
    Name: `nat-${netId.slice(0, 6)}`, Type: 'NAT',
    Ipams: [{ Type: 'Static', Subnets: [{ IpAddressPrefix: sub.prefix, Routes: [{ NextHop: sub.gateway, DestinationPrefix: '0.0.0.0/0' }] }] }],
  });
  return netId;
}

async function pod(p: EmulatorPlatform, netId: string): Promise<{ nsId: string; epId: string }> {
  const nsId = randomUUID();
  const epId = randomUUID();
  await p.network.createNamespace(nsId, { SchemaVersion: { Major: 2, Minor: 0 }, Type: 'Host' });
  await p.network.createEndpoint(netId, epId, { Name: `${epId}_nat` });
  await p.network.modifyNamespace(nsId, add(epId));
  return { nsId, epId };
}

test('emulator veth reaping: with the namespace, on a clashing attach, and never left behind', { skip }, async (t) => {
  const env = await setup();
  t.after(() => env.cleanup());
  const n = env.platform.network;
  const netId = await network(env.platform);

  // Detached, then its namespace deleted: the namespace is gone when HcnDeleteNamespace returns, the veth once
  // the removal has settled, and nothing stays journalled.
  const a = await pod(env.platform, netId);
  await n.modifyNamespace(a.nsId, remove(a.epId));
  await n.deleteEndpoint(a.epId);
  await n.deleteNamespace(a.nsId);
  assert.ok(!labelledObjects().netns.includes(netnsName(a.nsId)));
  assert.deepEqual(await n.settleRemovals!(), [], 'nothing journalled once settled');
  assert.ok(!links().includes(vethName(a.epId)), 'veth removed with its namespace');

  // Detached and attached again at once: the pending veth is removed first, the new one is there.
  const b = await pod(env.platform, netId);
  await n.modifyNamespace(b.nsId, remove(b.epId));
  await n.modifyNamespace(b.nsId, add(b.epId));
  assert.ok(links().includes(vethName(b.epId)), 'the re-attached endpoint has its veth');
  assert.equal((await n.queryEndpoint(b.epId)).HostComputeNamespace?.toLowerCase(), b.nsId.toLowerCase());

  // Deleted while attached (no detach first): gone with its namespace too.
  await n.deleteEndpoint(b.epId);
  await n.deleteNamespace(b.nsId);
  assert.deepEqual(await n.settleRemovals!(), []);
  assert.ok(!links().includes(vethName(b.epId)));

  // A namespace deleted while a process holds it (the kernel keeps it and its veth), then the service killed
  // while its background removal waits: the restarted service (which waits only briefly) finishes it from the
  // journal although the namespace is still held.
  const h = await pod(env.platform, netId);
  const holder = spawn('ip', ['netns', 'exec', netnsName(h.nsId), 'sleep', '60'], { stdio: 'ignore' });
  t.after(() => { holder.kill('SIGKILL'); });
  await until(() => readlinkOr(`/proc/${holder.pid}/exe`).endsWith('/sleep'));
  await n.deleteNamespace(h.nsId);
  assert.ok(links().includes(vethName(h.epId)), 'the held namespace keeps its veth for now');
  const pidH = await env.platform.servicePid();
  process.env.WINCRI_EMU_REAP_WAIT_MS = '50';
  process.kill(pidH, 'SIGKILL');
  await until(() => !alive(pidH));
  assert.deepEqual(await n.settleRemovals!(), [], 'the restarted service finished the journalled removal');
  assert.ok(!links().includes(vethName(h.epId)), 'the held namespace\'s veth is removed');
  holder.kill('SIGKILL');
  process.env.WINCRI_EMU_REAP_WAIT_MS = '60000';
  await n.deleteEndpoint(h.epId);

  // A detached veth whose namespace lives on, then the service killed: the restarted service removes it.
  const c = await pod(env.platform, netId);
  await n.modifyNamespace(c.nsId, remove(c.epId));
  assert.ok(links().includes(vethName(c.epId)), 'still in its grace period');
  const oldPid = await env.platform.servicePid();
  process.kill(oldPid, 'SIGKILL');
  await until(() => !alive(oldPid));
  assert.equal((await n.queryEndpoint(c.epId)).HostComputeNamespace, undefined, 'the service is back (reconnected) and the endpoint is detached');
  assert.ok(!links().includes(vethName(c.epId)), 'the restarted service finished the removal');
  assert.ok(labelledObjects().netns.includes(netnsName(c.nsId)), 'the namespace itself stays');

  // A veth pending when the service is stopped (SIGTERM) is removed before it exits.
  await n.modifyNamespace(c.nsId, add(c.epId));
  await n.modifyNamespace(c.nsId, remove(c.epId));
  assert.ok(links().includes(vethName(c.epId)));
  const pid2 = await env.platform.servicePid();
  process.kill(pid2, 'SIGTERM');
  await until(() => !alive(pid2));
  assert.ok(!links().includes(vethName(c.epId)), 'removed by the stopping service');
  await n.deleteNamespace(c.nsId);
  await n.deleteEndpoint(c.epId);
  await n.deleteNetwork(netId);
  assert.deepEqual(await n.settleRemovals!(), []);
  assert.deepEqual([vethName(a.epId), vethName(b.epId), vethName(c.epId)].filter((l) => links().includes(l)), []);
});
