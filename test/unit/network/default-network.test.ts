/**
 * The built-in default network (config cni.defaultNetwork, emulator backend): used only while the conf dir holds
 * no configuration file, never written anywhere, replaced by an operator's file as soon as one exists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CniManager, defaultNetworkList } from '../../../src/network/index.js';
import { bundledCniBinDir } from '../../../src/config/config.js';
import { writeFakePlugin } from '../../helpers/fake-cni.js';

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-defnet-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const conf = join(dir, 'conf');
  writeFakePlugin(join(dir, 'bin'), 'fake-net');
  const mgr = new CniManager({
    confDir: conf, binDirs: [join(dir, 'bin'), bundledCniBinDir()], timeoutSeconds: 5, cacheDir: join(dir, 'cache'),
    defaultNetwork: defaultNetworkList({ name: 'wincri-default', subnet: '10.77.0.9/24' }),
  });
  return { dir, conf, mgr };
}

test('the default network: wincri nat plugin, normalised subnet, gateway = first address, CNI 1.0.0', () => {
  const n = defaultNetworkList({ name: 'wincri-default', subnet: '10.77.0.9/24' });
  assert.equal(n.name, 'wincri-default');
  assert.equal(n.cniVersion, '1.0.0');
  assert.deepEqual(n.plugins, [{ type: 'nat', subnet: '10.77.0.0/24', gateway: '10.77.0.1', capabilities: { portMappings: true, dns: true } }]);
  assert.deepEqual(defaultNetworkList({ name: 'x', subnet: '172.30.4.0/22' }).plugins[0]!.gateway, '172.30.4.1');
});

test('a missing or empty conf dir uses the default network (nat resolves from the package); nothing is written there', async (t) => {
  const e = setup(t);
  assert.equal((await e.mgr.currentNetwork())?.name, 'wincri-default');
  assert.equal(e.mgr.lastNetwork()?.name, 'wincri-default');
  assert.deepEqual(await e.mgr.status(), { ready: true, reason: '', message: '' });
  mkdirSync(e.conf);
  assert.equal((await e.mgr.currentNetwork())?.name, 'wincri-default');
  writeFileSync(join(e.conf, 'README.txt'), 'not a configuration');
  assert.equal((await e.mgr.currentNetwork())?.name, 'wincri-default');
  assert.deepEqual(readdirSync(e.conf), ['README.txt']);
});

test("an operator's configuration wins as soon as it exists; an invalid one is reported, not papered over", async (t) => {
  const e = setup(t);
  mkdirSync(e.conf);
  assert.equal((await e.mgr.currentNetwork())?.name, 'wincri-default');
  writeFileSync(join(e.conf, '10-mine.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'mine', plugins: [{ type: 'fake-net' }] }));
  assert.equal((await e.mgr.currentNetwork())?.name, 'mine');
  assert.equal(e.mgr.lastNetwork()?.name, 'mine', 'the metrics label: what the last read found, no re-read');
  rmSync(join(e.conf, '10-mine.conflist'));
  assert.equal(e.mgr.lastNetwork()?.name, 'mine', 'not re-read until the next operation reads the dir');
  writeFileSync(join(e.conf, '10-broken.conflist'), '{ not json');
  assert.equal(await e.mgr.currentNetwork(), undefined);
  assert.equal(e.mgr.lastNetwork(), undefined, 'an invalid configuration: no network, no default');
  const st = await e.mgr.status();
  assert.equal(st.ready, false);
  assert.match(st.message, /10-broken\.conflist: not valid JSON/);
});
