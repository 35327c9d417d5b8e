/**
 * The network a pod operation reports for its metrics label (CniOptions.onNetwork): ADD the configuration it read,
 * DEL and CHECK the network cached with the attachment, whatever was loaded since and across a restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CniManager, defaultNetworkList, type PodNetworkRequest } from '../../../src/network/index.js';
import { writeFakePlugin } from '../../helpers/fake-cni.js';

const req = (id: string): PodNetworkRequest => ({
  sandboxId: id, namespaceId: '11111111-2222-3333-4444-555555555555', pod: { name: 'p', namespace: 'ns', uid: 'u1' },
  portMappings: [], dns: { servers: [], searches: [], options: [] }, annotations: {},
});

test('metrics label: ADD from the config it read; DEL and CHECK from the cached attachment, also after a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-cni-label-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin');
  const conf = join(dir, 'conf');
  mkdirSync(conf, { recursive: true });
  writeFakePlugin(bin, 'fake-net');
  writeFakePlugin(bin, 'fake-two');
  const write = (name: string, types: string[]) => writeFileSync(join(conf, '10-net.conflist'), JSON.stringify({ cniVersion: '1.0.0', name, plugins: types.map((type) => ({ type })) }));
  const seen: string[] = [];
  const mgr = () => new CniManager({
    confDir: conf, binDirs: [bin], timeoutSeconds: 5, cacheDir: join(dir, 'cache'),
    defaultNetwork: defaultNetworkList({ name: 'wincri-default', subnet: '10.77.0.0/24' }),
    onNetwork: (r, net) => seen.push(`${r.sandboxId} ${net?.name ?? 'none'}`),
  });
  const m = mgr();
  assert.equal(m.lastNetwork(), undefined, 'nothing read yet: no network (not the default one)');
  write('first', ['fake-net']);
  await (await m.setUp(req('a'))).recorded;
  write('second', ['fake-net', 'fake-two']);
  await (await m.setUp(req('b'))).recorded;
  await m.check(req('a'));
  await m.tearDown(req('a'));
  assert.deepEqual(seen, ['a first', 'b second', 'a first', 'a first']);
  // A restart with an empty conf dir: DEL of b still reports b's network, not the default one.
  rmSync(join(conf, '10-net.conflist'));
  seen.length = 0;
  const again = mgr();
  await again.check(req('b'));
  await again.tearDown(req('b'));
  assert.deepEqual(seen, ['b second', 'b second']);
  await assert.rejects(again.check(req('b')), /no network attachment/);
  assert.deepEqual(seen.at(-1), 'b none');
});
