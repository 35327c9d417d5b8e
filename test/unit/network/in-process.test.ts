/**
 * The in-process path for wincri's own CNI plugin: which files count as our launcher, and a CniManager whose
 * calls to it go through the plugin's real entry (cni/plugin/run.ts) in this process — results and errors as
 * an exec would give them — while another plugin in the same bin dir is still executed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, mkdirSync, symlinkSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CniManager } from '../../../src/network/index.js';
import { isOwnLauncher, runPlugin, type InProcessPlugin } from '../../../src/network/in-process.js';
import { CniError, locatePlugin, type LocatedPlugin } from '../../../src/network/invoke.js';
import { run } from '../../../cni/plugin/run.js';
import { writeFakePlugin } from '../../helpers/fake-cni.js';

const LAUNCHER = fileURLToPath(new URL('../../../../cni/bin/nat', import.meta.url));
const MAIN = fileURLToPath(new URL('../../../cni/plugin/main.js', import.meta.url));

/** The plugin `name` as the plugin chain finds it in `bin`. */
async function at(bin: string, name: string): Promise<LocatedPlugin> {
  const found = await locatePlugin(name, [bin]);
  assert.ok(found, `${name} found in ${bin}`);
  return found;
}

function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-cni-inproc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(LAUNCHER, join(bin, 'nat'));
  copyFileSync(LAUNCHER, join(bin, 'copied-nat'));
  chmodSync(join(bin, 'copied-nat'), 0o755);
  writeFakePlugin(bin, 'fake-net');
  const calls: string[] = [];
  const runner: InProcessPlugin = {
    mainPath: MAIN,
    run: (env, stdin) => { calls.push(env.CNI_COMMAND!); return run(env, () => stdin, () => Promise.reject(new Error('no HNS in this test'))); },
  };
  return { dir, bin, calls, runner };
}

test('our launcher (through a symlink) is recognised only with the matching plugin build and without WINCRI_CNI_MAIN', async (t) => {
  const s = setup(t);
  assert.equal(await isOwnLauncher(await at(s.bin, 'nat'), MAIN, {}), true);
  assert.equal(await isOwnLauncher(await at(s.bin, 'nat'), '/elsewhere/dist/cni/plugin/main.js', {}), false);
  assert.equal(await isOwnLauncher(await at(s.bin, 'nat'), MAIN, { WINCRI_CNI_MAIN: MAIN }), false);
  // a copy elsewhere would load the plugin next to it, not ours
  assert.equal(await isOwnLauncher(await at(s.bin, 'copied-nat'), MAIN, {}), false);
  assert.equal(await isOwnLauncher(await at(s.bin, 'fake-net'), MAIN, {}), false);
  assert.equal(await isOwnLauncher({ file: join(s.bin, 'missing'), key: 'gone' }, MAIN, {}), false);
});

test('runPlugin: VERSION answered in process as by an exec; a plugin error object becomes a CniError either way', async (t) => {
  const s = setup(t);
  const a = { command: 'VERSION' as const, path: [s.bin], timeoutMs: 5000 };
  const v = await runPlugin(s.runner, await at(s.bin, 'nat'), { cniVersion: '1.0.0' }, a, 'nat') as { supportedVersions: string[] };
  assert.ok(v.supportedVersions.includes('1.0.0'));
  const viaExec = await runPlugin(undefined, await at(s.bin, 'nat'), { cniVersion: '1.0.0' }, a, 'nat');
  assert.deepEqual(v, viaExec);
  assert.deepEqual(s.calls, ['VERSION']);
  const bad = { command: 'ADD' as const, path: [s.bin], timeoutMs: 5000, containerId: 'c1', netns: 'not-a-guid', ifName: 'eth0' };
  const e1 = await runPlugin(s.runner, await at(s.bin, 'nat'), { cniVersion: '1.0.0', name: 'n', type: 'nat' }, bad, 'nat').catch((e) => e);
  const e2 = await runPlugin(undefined, await at(s.bin, 'nat'), { cniVersion: '1.0.0', name: 'n', type: 'nat' }, bad, 'nat').catch((e) => e);
  assert.ok(e1 instanceof CniError && e2 instanceof CniError);
  assert.equal(e1.code, e2.code);
  // both fail where the plugin opens HNS (here: no platform / no emulator service), with the same code and wording
  assert.match(e1.msg, /^cannot reach HNS: no HNS in this test/);
  assert.match(e2.msg, /^cannot reach HNS: /);
});

test('CniManager: our plugin runs in process (VERSION, ADD, rollback DEL), a third-party plugin is still executed', async (t) => {
  const s = setup(t);
  const conf = join(s.dir, 'conf');
  mkdirSync(conf);
  writeFileSync(join(conf, '10-nat.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'n', plugins: [{ type: 'nat', subnet: '10.99.0.0/24' }] }));
  const m = new CniManager({ confDir: conf, binDirs: [s.bin], timeoutSeconds: 5, cacheDir: join(s.dir, 'cache'), inProcess: s.runner });
  const req = { sandboxId: 'sb1', namespaceId: '11111111-2222-3333-4444-555555555555', pod: { name: 'p', namespace: 'ns', uid: 'u' }, portMappings: [], annotations: {} };
  await assert.rejects(m.setUp(req), /no HNS in this test/);
  assert.deepEqual(s.calls, ['VERSION', 'ADD', 'DEL']);
  // the fake plugin is executed: its log file appears
  const log = join(s.dir, 'fake.log');
  writeFileSync(join(conf, '10-nat.conflist'), JSON.stringify({ cniVersion: '1.0.0', name: 'n', plugins: [{ type: 'fake-net', log }] }));
  const r = await m.setUp({ ...req, sandboxId: 'sb2' });
  await r.recorded;
  assert.equal(r.ips.length, 1);
  assert.deepEqual(s.calls, ['VERSION', 'ADD', 'DEL']);
});
