/**
 * The CNI runtime side driven against a fake plugin (test/helpers/fake-cni.ts) that logs its calls: conf dir
 * selection and reload, environment, capability args, result cache and DEL with prevResult, rollback of a failed
 * ADD, version negotiation, timeouts, STATUS and GC, result parsing per spec version, template rendering.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync, readFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CniManager, podIpsOf, parseNetworkConfig, renderTemplate, parseQuantity, type PodNetworkRequest } from '../../../src/network/index.js';
import { fakeCniDir, type FakeCall } from '../../helpers/fake-cni.js';

function env(t: { after(fn: () => void): void }) {
  const { dir, bin, conf, log, calls } = fakeCniDir(t, 'wincri-cni-unit-');
  const write = (file: string, doc: unknown) => writeFileSync(join(conf, file), typeof doc === 'string' ? doc : JSON.stringify(doc));
  const mgr = (extra: Partial<ConstructorParameters<typeof CniManager>[0]> = {}) => new CniManager({
    confDir: conf, binDirs: [bin], timeoutSeconds: 5, cacheDir: join(dir, 'cache'), env: { WINCRI_EMULATOR_STATE_DIR: '/x/emu' }, ...extra,
  });
  return { dir, bin, conf, log, calls, write, mgr };
}

const req = (id: string, extra: Partial<PodNetworkRequest> = {}): PodNetworkRequest => ({
  sandboxId: id, namespaceId: '11111111-2222-3333-4444-555555555555', pod: { name: 'p', namespace: 'ns', uid: 'u1' },
  portMappings: [{ protocol: 'TCP', containerPort: 80, hostPort: 8080, hostIp: '' }, { protocol: 'UDP', containerPort: 53, hostPort: 0, hostIp: '' }],
  dns: { servers: ['10.0.0.10'], searches: ['ns.svc'], options: ['ndots:5'] }, annotations: { a: 'b', 'kubernetes.io/ingress-bandwidth': '10M' }, ...extra,
});

test('status: not ready until a valid conf exists; first valid file in lexical order wins; reloaded on change', async (t) => {
  const e = env(t);
  const m = e.mgr();
  let st = await m.status();
  assert.equal(st.ready, false);
  assert.equal(st.reason, 'NetworkPluginNotReady');
  assert.match(st.message, /no network config/);
  e.write('05-broken.conflist', '{ not json');
  e.write('10-b.conflist', { cniVersion: '1.0.0', name: 'b', plugins: [{ type: 'fake-net', log: e.log }] });
  e.write('20-a.conf', { cniVersion: '1.0.0', name: 'a', type: 'fake-net' });
  st = await m.status();
  assert.equal(st.ready, true, st.message);
  assert.equal((await m.currentNetwork())?.name, 'b');
  e.write('07-missing.conflist', { cniVersion: '1.0.0', name: 'm', plugins: [{ type: 'no-such-plugin' }] });
  st = await m.status();
  assert.equal(st.ready, false);
  assert.match(st.message, /no-such-plugin/);
  // 1.1.0: STATUS is asked, and a plugin that says it is not available makes the network not ready.
  rmSync(join(e.conf, '07-missing.conflist'));
  const flag = join(e.dir, 'not-ready');
  writeFileSync(flag, '');
  e.write('06-v11.conflist', { cniVersion: '1.1.0', name: 'v11', plugins: [{ type: 'fake-net', log: e.log, notReadyFile: flag }] });
  st = await m.status();
  assert.equal(st.ready, false);
  assert.match(st.message, /plugin not available/);
  rmSync(flag);
  assert.equal((await m.status()).ready, true);
  assert.ok(e.calls().some((c) => c.cmd === 'STATUS'));
});

test('ADD: environment, capability args only where declared, chained prevResult, IPs; DEL uses the cached conf and result', async (t) => {
  const e = env(t);
  e.write('10-net.conflist', {
    cniVersion: '1.0.0', name: 'net',
    plugins: [
      { type: 'fake-net', log: e.log, ipv6: true, capabilities: { portMappings: true, dns: true, bandwidth: true } },
      { type: 'fake-net', log: e.log, passThrough: true },
    ],
  });
  const m = e.mgr();
  const { ips, recorded } = await m.setUp(req('sb1'));
  await recorded; // callers await the result's record before they use the attachment
  assert.equal(ips.length, 2);
  assert.match(ips[0]!, /^10\.88\./, 'IPv4 first');
  assert.match(ips[1]!, /^fd00::/);
  const adds = e.calls().filter((c) => c.cmd === 'ADD');
  assert.equal(adds.length, 2);
  const [first, second] = adds as [FakeCall, FakeCall];
  assert.equal(first.env.CNI_CONTAINERID, 'sb1');
  assert.equal(first.env.CNI_NETNS, '11111111-2222-3333-4444-555555555555');
  assert.equal(first.env.CNI_IFNAME, 'eth0');
  assert.equal(first.env.CNI_ARGS, 'IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_INFRA_CONTAINER_ID=sb1;K8S_POD_UID=u1');
  assert.equal(first.env.CNI_PATH, e.bin);
  assert.equal(first.env.WINCRI_EMULATOR_STATE_DIR, '/x/emu');
  assert.equal(first.conf.name, 'net');
  assert.equal(first.conf.cniVersion, '1.0.0');
  assert.deepEqual(first.conf.runtimeConfig, {
    portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '' }],
    dns: { servers: ['10.0.0.10'], searches: ['ns.svc'], options: ['ndots:5'] },
    bandwidth: { ingressRate: 10_000_000, ingressBurst: 2147483647 },
  });
  assert.equal(second.conf.runtimeConfig, undefined, 'no capabilities declared, no runtimeConfig');
  assert.ok(second.conf.prevResult, 'the second plugin gets the first one\'s result');

  // CHECK with the cached result.
  await m.check(req('sb1'));
  assert.ok(e.calls().filter((c) => c.cmd === 'CHECK').every((c) => c.conf.prevResult));

  // The conf changes; DEL still uses what ADD used, in reverse order, with prevResult.
  rmSync(join(e.conf, '10-net.conflist'));
  e.write('10-other.conf', { cniVersion: '1.0.0', name: 'other', type: 'fake-net', log: e.log });
  await m.tearDown(req('sb1', { namespaceId: '' }));
  const dels = e.calls().filter((c) => c.cmd === 'DEL');
  assert.equal(dels.length, 2);
  assert.ok(dels.every((c) => c.conf.name === 'net' && c.conf.prevResult && c.env.CNI_NETNS === ''));
  assert.equal(dels[0]!.conf.passThrough, true, 'reverse order');
  assert.deepEqual(readdirSync(join(e.dir, 'cache')).filter((f) => f.endsWith('.json')), []);
  // A second DEL has no cache: best effort with the current conf, no error.
  await m.tearDown(req('sb1'));
});

test('a failed ADD is rolled back with DEL and leaves no cache; DEL failures keep the cache for a retry', async (t) => {
  const e = env(t);
  e.write('10-net.conflist', { cniVersion: '0.4.0', name: 'net', plugins: [{ type: 'fake-net', log: e.log }, { type: 'fake-net', log: e.log, failAdd: true }] });
  const m = e.mgr();
  await assert.rejects(m.setUp(req('sb2')), (err: Error) => /add refused/.test(err.message));
  const cmds = e.calls().map((c) => c.cmd).filter((c) => c !== 'VERSION');
  assert.deepEqual(cmds, ['ADD', 'ADD', 'DEL', 'DEL']);
  assert.equal(existsSync(join(e.dir, 'cache', 'sb2.json')), false);

  e.write('10-net.conflist', { cniVersion: '0.4.0', name: 'net', plugins: [{ type: 'fake-net', log: e.log, failDel: true }] });
  await (await m.setUp(req('sb3'))).recorded;
  await assert.rejects(m.tearDown(req('sb3')), /del refused/);
  assert.equal(existsSync(join(e.dir, 'cache', 'sb3.json')), true, 'kept for the next StopPodSandbox');
  // GC at start-up: sb3 no longer exists → DEL from the cache (still failing here, so kept and logged).
  await m.gc([]);
  assert.equal(existsSync(join(e.dir, 'cache', 'sb3.json')), true);
});

test('CHECK of a pod whose cache holds only the first ("adding") record: attached without a result, no CHECK run', async (t) => {
  const e = env(t);
  e.write('10-net.conflist', { cniVersion: '1.0.0', name: 'net', plugins: [{ type: 'fake-net', log: e.log }] });
  await (await e.mgr().setUp(req('sb5'))).recorded;
  // A crash after the pod's record was renamed into place but before the result's: the first record is what is left.
  const file = join(e.dir, 'cache', 'sb5.json');
  const { result: _result, ...first } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(file, JSON.stringify({ ...first, state: 'adding' }));
  const m = e.mgr(); // a restarted runtime: nothing in memory
  await m.check(req('sb5'));
  assert.equal(e.calls().filter((c) => c.cmd === 'CHECK').length, 0, 'no CHECK without a result');
  await assert.rejects(m.check(req('sb-none')), /has no network attachment/);
  await m.tearDown(req('sb5'));
  assert.equal(existsSync(file), false, 'DEL ran from the first record');
});

test('version negotiation, per-call timeout, GC with valid attachments', async (t) => {
  const e = env(t);
  e.write('10-net.conflist', { cniVersion: '1.0.0', name: 'net', plugins: [{ type: 'fake-net', log: e.log }] });
  await assert.rejects(e.mgr({ env: { FAKE_CNI_VERSIONS: '0.3.1,0.4.0' } }).setUp(req('sb4')), /incompatible CNI versions.*1\.0\.0/);
  e.write('10-net.conflist', { cniVersion: '1.0.0', name: 'net', plugins: [{ type: 'fake-net', log: e.log, sleepMs: 3000 }] });
  const started = Date.now();
  await assert.rejects(e.mgr({ timeoutSeconds: 1 }).setUp(req('sb5')), /timed out/);
  assert.ok(Date.now() - started < 2900 * 2, 'killed after the timeout');

  e.write('10-net.conflist', { cniVersion: '1.1.0', name: 'net', plugins: [{ type: 'fake-net', log: e.log }] });
  const m = e.mgr();
  await (await m.setUp(req('keep'))).recorded;
  await (await m.setUp(req('stale'))).recorded;
  await m.gc(['keep']);
  const gc = e.calls().filter((c) => c.cmd === 'GC');
  assert.equal(gc.length, 1);
  assert.deepEqual(gc[0]!.conf['cni.dev/valid-attachments'], [{ containerID: 'keep', ifname: 'eth0' }]);
  assert.ok(e.calls().some((c) => c.cmd === 'DEL' && c.env.CNI_CONTAINERID === 'stale'));
  assert.equal(existsSync(join(e.dir, 'cache', 'stale.json')), false);
  assert.equal(existsSync(join(e.dir, 'cache', 'keep.json')), true);
});

test('pod CIDR: ipRanges capability and the conf template', async (t) => {
  const e = env(t);
  const tpl = join(e.dir, 'tpl.json');
  writeFileSync(tpl, JSON.stringify({ cniVersion: '1.0.0', name: 'tpl', plugins: [{ type: 'fake-net', log: e.log, subnet: '{{.PodCIDR}}', capabilities: { ipRanges: true } }] }));
  const m = e.mgr({ podCidrTemplate: tpl });
  assert.equal((await m.status()).ready, false);
  await m.setPodCidr('10.244.3.0/24');
  assert.equal((await m.status()).ready, true);
  const net = await m.currentNetwork();
  assert.equal(net?.plugins[0]!.subnet, '10.244.3.0/24');
  await (await m.setUp(req('sb6'))).recorded;
  const add = e.calls().find((c) => c.cmd === 'ADD')!;
  assert.deepEqual((add.conf.runtimeConfig as Record<string, unknown>).ipRanges, [[{ subnet: '10.244.3.0/24' }]]);
});

test('result parsing per spec version and conf parsing', () => {
  assert.deepEqual(podIpsOf({ cniVersion: '0.2.0', ip4: { ip: '10.1.0.5/16' }, ip6: { ip: 'fd00::5/64' } }, 'eth0').ips, ['10.1.0.5', 'fd00::5']);
  const r = { cniVersion: '1.0.0', interfaces: [{ name: 'cid_net' }, { name: 'eth0' }], ips: [{ address: 'fd00::7/64', interface: 1 }, { address: '10.2.0.7/24', interface: 1 }, { address: '10.9.9.9/24', interface: 0 }] };
  assert.deepEqual(podIpsOf(r, 'eth0').ips, ['10.2.0.7', 'fd00::7'], 'only addresses on eth0, IPv4 first');
  assert.deepEqual(podIpsOf({ cniVersion: '0.3.1', ips: [{ version: '4', address: '10.3.0.2/24' }] }, 'eth0').ips, ['10.3.0.2'], 'IPAM-style result without interface');
  assert.throws(() => parseNetworkConfig('{"name":"x","cniVersion":"9.9.9","type":"a"}', 'x.conf'), /not supported/);
  assert.throws(() => parseNetworkConfig('{"name":"x","plugins":[]}', 'x.conflist'), /non-empty/);
  assert.throws(() => parseNetworkConfig('{"name":"x","type":"../evil"}', 'x.conf'), /plain name/);
  assert.equal(parseNetworkConfig('{"name":"x","type":"a"}', 'x.conf').cniVersion, '0.1.0');
  assert.equal(renderTemplate('{"s":"{{.PodCIDR}}","r":{{ .PodCIDRRanges }}}', ['10.0.0.0/24', 'fd00::/64']), '{"s":"10.0.0.0/24","r":["10.0.0.0/24","fd00::/64"]}');
  assert.equal(parseQuantity('1Gi'), 2 ** 30);
  assert.equal(parseQuantity('500k'), 500_000);
  assert.equal(parseQuantity('x1'), undefined);
});
