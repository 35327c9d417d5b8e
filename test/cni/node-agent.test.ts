/** The overlay node agent against a fake API server (list + chunked watch) and the emulator's HNS. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CniHarness, FakeKube, node, cniPoll, ROOT } from './helpers.js';
import { waitFor } from '../helpers/wait-for.js';
import { runNodeAgent, desiredRoutes, type ReconcileResult } from '../../cni/agent/node-agent.js';
import { buildOverlayNetwork, remoteSubnetRoutePolicy } from '../../src/platform/hcn/document/index.js';
import type { Logger } from '../../src/util/log.js';

let h: CniHarness;
let kube: FakeKube;
let kubeconfig: string;
before(async () => {
  h = await CniHarness.start();
  kube = new FakeKube();
  await kube.start();
  kubeconfig = await kube.kubeconfig(h.dir);
});
after(async () => { await kube.stop(); await h.stop(); });

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child() { return quiet; } };

async function routes(name: string): Promise<string[]> {
  const n = await h.network(name);
  return (n?.Policies ?? []).filter((p) => p.Type === 'RemoteSubnetRoute').map((p) => {
    const s = p.Settings as { DestinationPrefix: string; ProviderAddress: string; IsolationId: number; DistributedRouterMacAddress?: string };
    return `${s.DestinationPrefix}>${s.ProviderAddress}@${s.IsolationId}${s.DistributedRouterMacAddress ? `/${s.DistributedRouterMacAddress}` : ''}`;
  }).sort();
}

test('desiredRoutes: other nodes only, flannel annotations first, nodes without CIDR or address skipped', () => {
  const r = desiredRoutes([
    node('self', '10.162.0.0/24', '192.168.1.10'),
    node('b', '10.162.1.0/24', '192.168.1.11', { 'flannel.alpha.coreos.com/public-ip': '172.31.0.11', 'flannel.alpha.coreos.com/backend-data': '{"VNI":4096,"VtepMAC":"0e:11:22:33:44:55"}' }),
    node('c', undefined, '192.168.1.12'),
    { metadata: { name: 'd' }, spec: { podCIDR: '10.162.3.0/24' }, status: { addresses: [] } },
    node('e', '10.162.4.0/24', '192.168.1.14', { 'flannel.alpha.coreos.com/public-ip-overwrite': '10.0.0.14', 'flannel.alpha.coreos.com/public-ip': '172.31.0.14' }),
  ], 'self');
  assert.deepEqual(r, [
    { node: 'b', destinationPrefix: '10.162.1.0/24', providerAddress: '172.31.0.11', drMacAddress: '0E-11-22-33-44-55' },
    { node: 'e', destinationPrefix: '10.162.4.0/24', providerAddress: '10.0.0.14', drMacAddress: undefined },
  ]);
});

test('node agent: one RemoteSubnetRoute per other node, follows watch events, re-lists after a disconnect', async () => {
  // The local overlay network, with a stale route and a wrong route for node b left from an earlier run.
  await h.platform.network.createNetwork('', buildOverlayNetwork({
    name: 'vxlan0', subnet: '10.162.0.0/24', gateway: '10.162.0.1', vni: 4703, vxlanPort: 4789,
    policies: [
      remoteSubnetRoutePolicy({ destinationPrefix: '10.162.9.0/24', providerAddress: '192.168.1.99', isolationId: 4703 }),
      remoteSubnetRoutePolicy({ destinationPrefix: '10.162.1.0/24', providerAddress: '192.168.1.250', isolationId: 4703 }),
    ],
  }));
  kube.setNode(node('self', '10.162.0.0/24', '192.168.1.10'));
  kube.setNode(node('b', '10.162.1.0/24', '192.168.1.11'));
  kube.setNode(node('c', '10.162.2.0/24', '192.168.1.12', { 'flannel.alpha.coreos.com/backend-data': '{"VNI":4096,"VtepMAC":"0e:aa:bb:cc:dd:ee"}' }));
  kube.failLists = 1; // the first list fails: the agent retries

  const ac = new AbortController();
  const results: ReconcileResult[] = [];
  const agent = runNodeAgent({
    kubeconfig, nodeName: 'self', networkName: 'vxlan0', platform: h.platform, signal: ac.signal,
    retryDelayMs: 50, resyncMs: 60_000, log: quiet, onReconcile: (r) => results.push(r),
  });
  try {
    const initial = ['10.162.1.0/24>192.168.1.11@4703', '10.162.2.0/24>192.168.1.12@4703/0E-AA-BB-CC-DD-EE'];
    await waitFor('initial routes', async () => JSON.stringify(await routes('vxlan0')) === JSON.stringify(initial), cniPoll());
    assert.ok(kube.listCount >= 2, 'listed again after the failed list');
    await waitFor('watch open', async () => kube.openWatches === 1, cniPoll());
    const lists = kube.listCount;

    kube.setNode(node('d', '10.162.3.0/24', '192.168.1.13'));                 // ADDED
    kube.setNode(node('b', '10.162.1.0/24', '192.168.1.21'));                 // MODIFIED: node b got a new address
    kube.deleteNode('c');                                                      // DELETED
    const afterEvents = ['10.162.1.0/24>192.168.1.21@4703', '10.162.3.0/24>192.168.1.13@4703'];
    await waitFor('routes after watch events', async () => JSON.stringify(await routes('vxlan0')) === JSON.stringify(afterEvents), cniPoll());
    assert.equal(kube.listCount, lists, 'events arrived through the watch, without listing');

    // A change whose event is lost, then the API server drops the connection: only a re-list can see it.
    kube.setNode(node('e', '10.162.4.0/24', '192.168.1.14'), true);
    kube.dropWatches();
    await waitFor('route from the re-list', async () => (await routes('vxlan0')).includes('10.162.4.0/24>192.168.1.14@4703'), cniPoll());
    assert.ok(kube.listCount > lists, 're-listed after the disconnect');
    assert.ok(kube.watchCount >= 2, 'watching again');
    assert.deepEqual(await routes('vxlan0'), [...afterEvents, '10.162.4.0/24>192.168.1.14@4703'].sort());

    // Idempotent: with nothing changed a reconcile adds and removes nothing.
    await waitFor('watch reopened', async () => kube.openWatches === 1, cniPoll());
    results.length = 0;
    kube.setNode(node('self', '10.162.0.0/24', '192.168.1.10'));
    await waitFor('a reconcile', async () => results.length > 0, cniPoll());
    assert.deepEqual(results.at(-1), { network: (await h.network('vxlan0'))!.ID, added: [], removed: [] });
  } finally {
    ac.abort();
    await agent;
  }
  await waitFor('the watch closed when the agent stopped', async () => kube.openWatches === 0, cniPoll(3000));
});

test('"wincri node-agent" runs the agent from the command line and stops on SIGTERM', async () => {
  await h.platform.network.createNetwork('', buildOverlayNetwork({ name: 'vxlan-cli', subnet: '10.163.0.0/24', gateway: '10.163.0.1', vni: 4704 }));
  kube.setNode(node('cli-peer', '10.163.7.0/24', '192.168.1.77'));
  const cfg = join(h.dir, 'wincri.yaml');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(cfg, `backend: emulator\nroot: ${join(h.dir, 'root')}\nemulator:\n  stateDir: ${h.stateDir}\n`);
  const p = spawn(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), 'node-agent', '--node', 'self', '--network', 'vxlan-cli', '--kubeconfig', kubeconfig, '--config', cfg],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d: Buffer) => { err += d; });
  const exited = new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
  try {
    // A cold CLI start first (node, the Kubernetes client): seconds on a loaded host, so a longer deadline than a poll's.
    await waitFor('route programmed by the CLI agent', async () => (await routes('vxlan-cli')).includes('10.163.7.0/24>192.168.1.77@4704'), cniPoll(60_000));
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${err}`);
  } finally {
    p.kill('SIGTERM');
  }
  assert.equal(await exited, 0, err);
});
