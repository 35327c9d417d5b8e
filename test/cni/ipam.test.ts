/** The host-local style allocator: concurrent claims, reuse, release, round robin, exhaustion, GC of debris. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readdir, writeFile, utimes, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostLocalAllocator } from '../../cni/plugin/ipam.js';
import { parseNetConf } from '../../cni/plugin/config.js';
import { CniError } from '../../cni/plugin/errors.js';

async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'wincri-ipam-'));
  try { await f(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}
const conf = (dataDir: string, ipam: Record<string, unknown> = {}, type = 'nat') =>
  parseNetConf(JSON.stringify({ cniVersion: '1.1.0', name: 'n', type, subnet: '10.9.0.0/28', ipam: { type: 'host-local', dataDir, ...ipam } }));
const alloc = (c: ReturnType<typeof conf>) => new HostLocalAllocator(join(c.ipam.dataDir, c.name), c.ipam.ranges, c.ipam.exclude);

test('concurrent claims from independent allocators never share an address; exhaustion is code 102', async () => withDir(async (dir) => {
  const c = conf(dir);
  // /28: .1 gateway, .2-.14 usable → 13 addresses.
  const results = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => alloc(c).allocate(`c${i}`, 'eth0')));
  const ok = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ ip: string }>).value.ip);
  const failed = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as CniError);
  assert.equal(ok.length, 13);
  assert.equal(new Set(ok).size, 13);
  assert.ok(!ok.includes('10.9.0.1') && !ok.includes('10.9.0.0') && !ok.includes('10.9.0.15'));
  assert.equal(failed.length, 3);
  for (const e of failed) assert.equal(e.code, 102);
  const files = (await readdir(join(dir, 'n'))).filter((f) => f.startsWith('10.'));
  assert.equal(files.length, 13);
  assert.deepEqual((await readdir(join(dir, 'n'))).filter((f) => f.startsWith('.claim-')), [], 'no temporary claim left behind');
  assert.equal(await readFile(join(dir, 'n', ok[0]!), 'utf8'), `${(await alloc(c).list()).find((x) => x.ip === ok[0])!.containerId}\neth0`);
}));

test('the same attachment gets its address back; release, round robin, and addresses HNS already uses are skipped', async () => withDir(async (dir) => {
  const c = conf(dir, {}, 'overlay'); // overlay also reserves .2
  const a = alloc(c);
  const first = await a.allocate('a', 'eth0', new Set([0x0a090003])); // 10.9.0.3 held by a leaked endpoint
  assert.equal(first.ip, '10.9.0.4');
  assert.equal((await a.allocate('a', 'eth0')).ip, '10.9.0.4', 'idempotent per (container, ifname)');
  assert.equal((await a.allocate('a', 'eth1')).ip, '10.9.0.5', 'another interface is another claim');
  assert.deepEqual(await a.release('a', 'eth0'), ['10.9.0.4']);
  assert.deepEqual(await a.release('a', 'eth0'), [], 'release is idempotent');
  assert.equal((await a.allocate('b', 'eth0')).ip, '10.9.0.6', 'round robin: a released address is not handed out at once');
  assert.equal(await a.freeCount(), 10);
}));

test('GC keeps valid claims, drops the others and old temporary files', async () => withDir(async (dir) => {
  const c = conf(dir);
  const a = alloc(c);
  await a.allocate('keep', 'eth0');
  await a.allocate('drop', 'eth0');
  const stray = join(dir, 'n', '.claim-deadbeef');
  await writeFile(stray, 'crashed\neth0');
  const old = new Date(Date.now() - 3600_000);
  await utimes(stray, old, old);
  const dropped = await a.gc((cid, ifname) => cid === 'keep' && ifname === 'eth0');
  assert.equal(dropped.length, 1);
  assert.deepEqual((await a.list()).map((x) => x.containerId), ['keep']);
  assert.ok(!(await readdir(join(dir, 'n'))).includes('.claim-deadbeef'));
}));

test('ranges: rangeStart/rangeEnd, explicit ranges, runtimeConfig.ipRanges override, invalid ranges rejected', async () => withDir(async (dir) => {
  const r = conf(dir, { rangeStart: '10.9.0.10', rangeEnd: '10.9.0.11' }, 'overlay');
  assert.equal((await alloc(r).allocate('x', 'eth0')).ip, '10.9.0.10', '.2 is not reserved when rangeStart is given');
  const ranges = parseNetConf(JSON.stringify({ cniVersion: '1.1.0', name: 'm', type: 'nat', ipam: { type: 'host-local', dataDir: dir, ranges: [[{ subnet: '10.8.0.0/30' }], [{ subnet: '10.8.1.0/29', gateway: '10.8.1.6' }]] } }));
  const ips = [];
  for (const i of [1, 2, 3]) ips.push((await alloc(ranges).allocate(`r${i}`, 'eth0')).ip);
  assert.deepEqual(ips, ['10.8.0.2', '10.8.1.1', '10.8.1.2']);
  const rc = parseNetConf(JSON.stringify({ cniVersion: '1.1.0', name: 'o', type: 'nat', subnet: '10.7.0.0/24', ipam: { type: 'host-local', dataDir: dir }, runtimeConfig: { ipRanges: [[{ subnet: '10.6.0.0/24', rangeStart: '10.6.0.100' }]] } }));
  assert.equal((await alloc(rc).allocate('z', 'eth0')).ip, '10.6.0.100');
  for (const bad of [{ rangeStart: '10.9.1.1' }, { rangeStart: '10.9.0.9', rangeEnd: '10.9.0.3' }, { exclude: ['nope'] }]) {
    assert.throws(() => conf(dir, bad), (e: CniError) => e.code === 7, JSON.stringify(bad));
  }
}));
