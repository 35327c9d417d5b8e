/**
 * The per-pod steps over rtnetlink (LinuxNet when koffi and glibc are there): the service's main thread, moved into
 * a new namespace for a few synchronous calls, is always back in its own; children started right after (with
 * posix_spawn on a pool thread, and with Node's spawn) land where they should; the namespace's lo is up and marked;
 * failures name the step and leave nothing; removals of what is gone succeed. Root only; serial lane.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readlinkSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { rootNetworkingSkipReason } from '../../../helpers/netns.js';
import { LinuxNet, LinuxNetError, netnsName, bridgeName, vethName, run } from '../../../../src/platform/emulator/service/linuxnet.js';
import { NetlinkLinks } from '../../../../src/platform/emulator/service/netlink-link.js';

const skip = rootNetworkingSkipReason() || (NetlinkLinks.get(() => undefined) ? false : 'netlink is off here (WINCRI_EMULATOR_NETLINK=0, or no koffi/glibc): the ip path is used');
const self = () => readlinkSync('/proc/thread-self/ns/net');

test('netns over netlink: the main thread returns to its namespace, children spawned right after land where they should', { skip }, async (t) => {
  const logs: string[] = [];
  const net = new LinuxNet((m) => logs.push(m), 'abcd1234');
  const [ns, network, ep] = [netnsName(randomUUID()), randomUUID(), randomUUID()];
  t.after(async () => { await net.detachEndpoint(ep); await net.deleteNetns(ns); await net.deleteNetwork(network); });
  const own = self();

  await net.createNetns(ns);
  assert.equal(self(), own, 'the main thread is back in its own namespace');
  // Started at once after the unshare/setns: one with posix_spawn on a pool thread (run → vforkRun), one with Node's spawn.
  const [pooled, forked] = [run('readlink', ['/proc/self/ns/net']), spawnSync('readlink', ['/proc/self/ns/net'], { encoding: 'utf8' })];
  assert.equal((await pooled).stdout.trim(), own, 'a posix_spawn child is in the service namespace');
  assert.equal(forked.stdout.trim(), own, 'a forked child too');
  const entered = await run('nsenter', [`--net=/run/netns/${ns}`, 'readlink', '/proc/self/ns/net']);
  assert.equal(entered.stdout.trim(), `net:[${statSync(`/run/netns/${ns}`).ino}]`, 'a holder entering the pod namespace is in the new one');
  assert.notEqual(entered.stdout.trim(), own);
  const lo = (await run('ip', ['-n', ns, '-d', 'link', 'show', 'lo'])).stdout;
  assert.match(lo, /<[^>]*\bUP\b[^>]*>/, 'lo is up');
  assert.match(lo, /alias wincri-instance=abcd1234/, 'and carries the instance mark');

  await net.createBridge({ id: network, prefix: 24, masquerade: false });
  await net.attachEndpoint({ id: ep, netns: ns, ifName: 'eth0', bridge: bridgeName(network), ip: '10.251.8.2', prefix: 24, routes: [{ dst: '10.99.0.0/16' }, { dst: '0.0.0.0/0', via: '10.251.8.1' }] });
  assert.equal(self(), own, 'back after the attach too');
  const routes = (await run('ip', ['-n', ns, 'route', 'show'])).stdout;
  assert.match(routes, /default via 10\.251\.8\.1 dev eth0 onlink/);
  assert.match(routes, /10\.99\.0\.0\/16 dev eth0 scope link/);

  // Failures name the step and the object, and leave nothing behind.
  await assert.rejects(net.createNetns(ns), (e: Error) => e instanceof LinuxNetError && e.message.includes(`ip netns add ${ns}`));
  assert.ok(existsSync(`/run/netns/${ns}`), 'the existing namespace is untouched');
  const bad = randomUUID();
  await assert.rejects(net.attachEndpoint({ id: bad, netns: ns, ifName: 'eth1', bridge: bridgeName(network), ip: '10.251.8.3', prefix: 24, routes: [{ dst: '10.7.0.5/8' }] }),
    (e: Error) => e instanceof LinuxNetError && /route replace 10\.7\.0\.5\/8/.test(e.message) && /EINVAL/.test(e.message));
  assert.notEqual((await run('ip', ['link', 'show', vethName(bad)])).code, 0, 'the failed attach removed its veth');
  await assert.rejects(net.attachEndpoint({ id: bad, netns: 'wincri-nonesuch', ifName: 'eth1', bridge: bridgeName(network), routes: [] }),
    (e: Error) => e instanceof LinuxNetError && e.message.includes('wincri-nonesuch'));
  assert.equal(self(), own);

  // Removals: the veth goes once; again (already gone: ENODEV) is no error.
  await net.removeVeth(ep);
  assert.notEqual((await run('ip', ['link', 'show', vethName(ep)])).code, 0);
  await net.removeVeth(ep);
  await net.deleteNetns(ns);
  assert.equal(existsSync(`/run/netns/${ns}`), false, 'the namespace file is gone');
  await net.deleteNetns(ns);
  assert.deepEqual(logs, [], 'nothing went wrong enough to log');
});
