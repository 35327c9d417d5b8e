/**
 * The operator's CLI against a running daemon with real pod networking (NAT plugin; root): info, ps, pods,
 * images, doctor, and doctor --leaks finding exactly the objects a test plants (a stray HNS endpoint, netns, veth
 * and nft table) and --fix removing exactly those, never a running pod's. Run under flock /tmp/wincri-net.lock.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomUUID } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { Daemon, CLI, call, podConfig } from './harness.js';
import { buildWindowsImage } from '../helpers/image-builder.js';
import { rootNetworkingSkipReason, freeSubnet, labelledObjects } from '../helpers/netns.js';
import { createEmulatorPlatform } from '../../src/platform/emulator/index.js';
import { buildCredentialGuardAddRequest, buildCredentialGuardRemoveRequest, credentialGuardInstanceIds, CREDENTIAL_GUARD_QUERY } from '../../src/platform/hcs/document/index.js';
import { CREDENTIAL_SPEC_TEXT } from '../helpers/credential-spec.js';
import { netnsName, vethName, tableName } from '../../src/platform/emulator/service/linuxnet.js';

const CNI_BIN = fileURLToPath(new URL('../../../cni/bin', import.meta.url));
const skip = rootNetworkingSkipReason() || (existsSync(join(CNI_BIN, 'nat')) ? false : `the CNI plugin ${CNI_BIN}/nat is missing`);
const IMAGE = 'example.com/wincri/cli:1.0';
const UNUSED = 'example.com/wincri/unused:1.0';

let d: Daemon;
let imageId = '', unusedId = '', podId = '', ctrId = '', namespaceId = '';

const wincri = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--endpoint', d.endpoint, '--root', d.root, '--config', d.configFile], { encoding: 'utf8' });

before(async () => {
  if (skip) return;
  const sub = freeSubnet();
  d = new Daemon('wincri-cli', {
    cniBinDirs: [CNI_BIN],
    network: { file: '10-nat.conflist', conf: { cniVersion: '1.0.0', name: 'e2e-cli', plugins: [{ type: 'nat', subnet: sub.prefix, gateway: sub.gateway }] } },
  });
  await d.start();
  for (const [name, file] of [[IMAGE, 'a.tar'], [UNUSED, 'b.tar']] as const) {
    const tar = await buildWindowsImage({ dir: d.dir, file, names: [name], format: 'oci', layers: [{ [`app/${file}.txt`]: file }], config: { Cmd: ['sleep', '600'] } });
    const id = d.importImage(tar).split('\t')[0]!.trim();
    if (name === IMAGE) imageId = id; else unusedId = id;
  }
  const config = podConfig('cli-pod', join(d.logDir, 'cli-pod'));
  mkdirSync(config.logDirectory, { recursive: true });
  podId = (await call(d.runtime, 'RunPodSandbox', { config })).podSandboxId;
  namespaceId = JSON.parse((await call(d.runtime, 'PodSandboxStatus', { podSandboxId: podId, verbose: true })).info.info).namespaceId;
  ctrId = (await call(d.runtime, 'CreateContainer', {
    podSandboxId: podId, sandboxConfig: config,
    config: { metadata: { name: 'sleeper', attempt: 0 }, image: { image: imageId }, command: ['sleep', '600'], logPath: 'sleeper.log' },
  })).containerId;
  await call(d.runtime, 'StartContainer', { containerId: ctrId });
});

after(async () => { await d?.destroy(); });

test('info: version, backend, endpoint, handlers, readiness, masked configuration', { skip }, () => {
  const r = wincri('info');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wincri \S+ \(pid \d+/);
  assert.match(r.stdout, /backend: +emulator \(host 10\.0\.\d+ /);
  assert.match(r.stdout, new RegExp(`endpoint: +${d.endpoint.replace(/[/.]/g, '\\$&')}`));
  assert.match(r.stdout, /runtime handlers: \(default\), runhcs-wcow-process/);
  assert.match(r.stdout, /RuntimeReady +true/);
  assert.match(r.stdout, /NetworkReady +true/);
  const j = JSON.parse(wincri('info', '-o', 'json').stdout);
  assert.equal(j.daemon.config.cni.confDir, d.cniConfDir);
});

test('ps, pods: the running pod and container', { skip }, () => {
  const pods = wincri('pods');
  assert.equal(pods.status, 0, pods.stderr);
  assert.match(pods.stdout, new RegExp(`^${podId.slice(0, 13)} +\\d+s ago +Ready +cli-pod +default +0 `, 'm'));
  const ps = wincri('ps');
  assert.match(ps.stdout, new RegExp(`^${ctrId.slice(0, 13)} +${IMAGE.replace(/[/.]/g, '\\$&')} +\\S+ ago +Running +sleeper +0 +${podId.slice(0, 13)} +cli-pod$`, 'm'));
  assert.deepEqual(JSON.parse(wincri('ps', '-o', 'json').stdout).map((c: { id: string }) => c.id), [ctrId]);
  assert.deepEqual(wincri('pods', '-q').stdout.trim().split('\n'), [podId]);
});

test('images: ls, prune --dry-run, prune, rm of an unknown image', { skip }, () => {
  const ls = wincri('images', 'ls');
  assert.match(ls.stdout, new RegExp(`^${imageId.slice(7, 20)} +${IMAGE.replace(/[/.]/g, '\\$&')} `, 'm'));
  assert.match(ls.stdout, new RegExp(UNUSED.replace(/[/.]/g, '\\$&')));
  const dry = wincri('images', 'prune', '--dry-run');
  assert.equal(dry.stdout.trim(), `would remove ${unusedId} (${UNUSED})`);
  assert.equal(wincri('images', 'ls', '-q').stdout.trim().split('\n').length, 2, 'dry run removed nothing');
  const pr = wincri('images', 'prune');
  assert.equal(pr.status, 0, pr.stderr);
  assert.deepEqual(wincri('images', 'ls', '-q').stdout.trim().split('\n'), [imageId]);
  const rm = wincri('images', 'rm', 'example.com/none:1');
  assert.equal(rm.status, 1);
  assert.match(rm.stderr, /no such image/);
});

test('doctor: the daemon, backend, CNI plugin and socket checks pass', { skip }, () => {
  const r = wincri('doctor', '-o', 'json');
  const results = JSON.parse(r.stdout) as { name: string; status: string }[];
  const byName = Object.fromEntries(results.map((x) => [x.name, x.status]));
  for (const n of ['daemon', 'backend', 'root', 'cni config', 'cni plugin nat', 'endpoint permissions', 'clock']) assert.equal(byName[n], 'ok', `${n}: ${r.stdout}`);
  assert.equal(byName['hns networks'], 'ok');
  assert.equal(r.status, results.some((x) => x.status === 'fail') ? 1 : results.some((x) => x.status === 'warn') ? 3 : 0);
});

test('doctor --leaks finds exactly the planted objects; --fix removes exactly those and nothing of the running pod', { skip }, async () => {
  // Objects an earlier run left on this host (wincri-* Linux objects no HNS object of this emulator accounts for)
  // are leaks too; whatever was there before planting is subtracted below.
  const key = (l: { kind: string; id: string }) => `${l.kind} ${l.id}`;
  const before = wincri('doctor', '--leaks', '-o', 'json');
  const pre = new Set<string>(JSON.parse(before.stdout).leaks.map(key));
  assert.ok([...pre].every((k) => !k.startsWith('hns-')), `no HNS object of this daemon is a leak before planting: ${before.stdout}`);
  assert.equal(before.status, pre.size === 0 ? 0 : 1);

  const platform = await createEmulatorPlatform({ stateDir: join(d.root, 'emulator'), spawnService: false });
  const podObjects = labelledObjects();
  const hex = (n: number) => randomBytes(n).toString('hex');
  const strayNetns = `wincri-${hex(6)}`, strayVeth = `wincri-${hex(4)}`, strayTable = `wincri-${hex(4)}`;
  let strayEp = '';
  const strayGuard = hex(32), foreignGuard = hex(32);
  const guards = async () => credentialGuardInstanceIds(await platform.compute.queryServiceProperties(CREDENTIAL_GUARD_QUERY));
  try {
    const [net] = await platform.network.enumerateNetworks();
    const ep = await platform.network.createEndpoint(net!.ID!, randomUUID(), { Name: `${hex(32)}_e2e-cli`, HostComputeNetwork: net!.ID!, SchemaVersion: { Major: 2, Minor: 0 } } as never);
    strayEp = ep.ID!;
    execFileSync('ip', ['netns', 'add', strayNetns]);
    execFileSync('ip', ['link', 'add', strayVeth, 'type', 'veth', 'peer', 'name', `wlk${hex(3)}`]);
    execFileSync('nft', ['add', 'table', 'ip', strayTable]);
    // A gMSA instance wincri added (its marker) for a container it has no record of, and one of another runtime.
    await platform.compute.modifyServiceSettings(buildCredentialGuardAddRequest(strayGuard, CREDENTIAL_SPEC_TEXT, 'LRPC'));
    await platform.compute.modifyServiceSettings(buildCredentialGuardAddRequest(foreignGuard, CREDENTIAL_SPEC_TEXT, 'LRPC'));
    mkdirSync(join(d.root, 'state', 'credential-guard'), { recursive: true });
    writeFileSync(join(d.root, 'state', 'credential-guard', `${strayGuard}.json`), JSON.stringify({ id: strayGuard }));

    const found = wincri('doctor', '--leaks', '-o', 'json');
    assert.equal(found.status, 1, found.stderr);
    const want = [`credential-guard ${strayGuard}`, `hns-endpoint ${strayEp}`, `link ${strayVeth}`, `netns ${strayNetns}`, `nft-table ip ${strayTable}`].sort();
    assert.deepEqual(JSON.parse(found.stdout).leaks.map(key).filter((k: string) => !pre.has(k)).sort(), want, found.stderr);

    const fixed = wincri('doctor', '--leaks', '--fix', '-o', 'json');
    assert.equal(fixed.status, 0, fixed.stdout + fixed.stderr);
    assert.deepEqual(JSON.parse(fixed.stdout).removed.map(key).filter((k: string) => !pre.has(k)).sort(), want);

    const after = labelledObjects();
    const stale = (kind: string) => (n: string) => !pre.has(`${kind} ${n}`);
    assert.deepEqual(after, { netns: podObjects.netns.filter(stale('netns')), links: podObjects.links.filter(stale('link')), tables: podObjects.tables.filter(stale('nft-table ip')) },
      'exactly the planted Linux objects (and leftovers of earlier runs) are gone');
    assert.ok(after.netns.includes(netnsName(namespaceId)), 'the pod\'s netns stays');
    assert.ok((await platform.network.enumerateEndpoints()).every((e) => e.ID !== strayEp));
    const eps = await platform.network.enumerateEndpoints();
    assert.equal(eps.length, 1);
    assert.ok(after.links.includes(vethName(eps[0]!.ID!)), 'the pod\'s veth stays');
    assert.ok(after.tables.includes(tableName(eps[0]!.HostComputeNetwork!)), 'the network\'s table stays');
    assert.deepEqual(await guards(), [foreignGuard], 'the leaked gMSA instance is removed, another runtime\'s stays');
    assert.ok(!existsSync(join(d.root, 'state', 'credential-guard', `${strayGuard}.json`)), 'with its marker');
    const st = await call(d.runtime, 'ContainerStatus', { containerId: ctrId });
    assert.equal(st.status.state, 'CONTAINER_RUNNING');
    // Teardown the emulator does after an HNS delete (its Linux objects) may still be under way: wait for a clean audit.
    let last = wincri('doctor', '--leaks');
    for (let i = 0; i < 50 && last.status !== 0; i++) { await new Promise((r) => setTimeout(r, 200)); last = wincri('doctor', '--leaks'); }
    assert.equal(last.status, 0, last.stdout + last.stderr);
  } finally {
    spawnSync('ip', ['netns', 'delete', strayNetns]);
    spawnSync('ip', ['link', 'delete', strayVeth]);
    spawnSync('nft', ['delete', 'table', 'ip', strayTable]);
    if (strayEp) await platform.network.deleteEndpoint(strayEp).catch(() => undefined);
    for (const g of [strayGuard, foreignGuard]) await platform.compute.modifyServiceSettings(buildCredentialGuardRemoveRequest(g)).catch(() => undefined);
    await platform.close();
  }
});

test('doctor --leaks reads the state directory when the daemon is down', { skip }, async () => {
  await d.stop();
  const r = wincri('doctor', '--leaks');
  assert.match(r.stdout, /records from state directory/);
  assert.match(r.stdout, /no leaks/);
  assert.equal(r.status, 0);
});
