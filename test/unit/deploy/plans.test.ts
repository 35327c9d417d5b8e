/**
 * The install / upgrade / uninstall plans: what the scripts would do on a node, from the same planner the
 * scripts run (and through its command line, as they call it), for representative observed states.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Action, Plan } from '../../../deploy/plan/actions.js';
import { readFacts } from '../../../deploy/plan/input.js';
import { installPlan } from '../../../deploy/plan/install.js';
import { upgradePlan } from '../../../deploy/plan/upgrade.js';
import { uninstallPlan } from '../../../deploy/plan/uninstall.js';
import { formatAction } from '../../../deploy/plan/format.js';
import { loadConfig } from '../../../src/config/config.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const PLANNER = join(ROOT, 'dist/deploy/plan/main.js');
const SRC = 'C:\\Users\\admin\\wincri-0.2.0';
const PF = 'C:\\Program Files\\wincri';
const KUBELET_IMAGE = '"C:\\k\\kubelet.exe" --windows-service --config=C:\\k\\config.yaml --container-runtime-endpoint npipe:////./pipe/containerd-containerd --v=2';

const running = { exists: true, status: 'Running' };
const freshNode = () => readFacts({
  services: { vmcompute: running, hns: running, kubelet: { ...running, imagePath: KUBELET_IMAGE } },
  configExists: false, versions: [], sourceHasNode: true, seedImages: [],
});
const installedNode = (over: Record<string, unknown> = {}) => readFacts({
  services: { wincri: { ...running, dependents: ['kubelet'] }, kubelet: { ...running, imagePath: KUBELET_IMAGE } },
  configExists: true, versions: ['0.0.9', '0.1.0', '0.0.8', '0.0.7'], currentTarget: `${PF}\\versions\\0.1.0`,
  sourceHasNode: true, seedImages: [],
  keeperCommandLine: `"${PF}\\versions\\0.0.8\\node.exe" --max-semi-space-size=1 --v8-pool-size=1 --no-memory-reducer "${PF}\\versions\\0.0.8\\dist\\src\\cli\\main.js" io-keeper --config C:\\ProgramData\\wincri\\io\\config.yaml`,
  ...over,
});

const kinds = (p: Plan) => p.actions.map((a) => a.kind);
const one = <K extends Action['kind']>(p: Plan | Action[], kind: K, pred: (a: Extract<Action, { kind: K }>) => boolean = () => true) => {
  const list = (Array.isArray(p) ? p : p.actions).filter((a): a is Extract<Action, { kind: K }> => a.kind === kind && pred(a as Extract<Action, { kind: K }>));
  assert.equal(list.length, 1, `exactly one ${kind}: ${list.map(formatAction).join(' | ')}`);
  return list[0]!;
};
const indexOf = (p: Plan, kind: Action['kind'], pred: (a: Action) => boolean = () => true) => p.actions.findIndex((a) => a.kind === kind && pred(a));

test('fresh install: side-by-side release, junction, config, service with dependencies and recovery, pipe, kubelet flags', () => {
  const p = installPlan({ source: SRC, version: '0.2.0', configureKubelet: true }, freshNode());
  assert.deepEqual(p.actions.slice(0, 3).map(formatAction), [
    'ACTION check.admin',
    'ACTION check.service name=vmcompute hint="enable the Containers feature (Install-WindowsFeature Containers) and reboot"',
    'ACTION check.service name=hns hint="enable the Containers feature (Install-WindowsFeature Containers) and reboot"',
  ]);
  assert.deepEqual(one(p, 'dir.copy'), { kind: 'dir.copy', from: SRC, to: `${PF}\\versions\\0.2.0` });
  assert.deepEqual(one(p, 'exec').args, [`${PF}\\versions\\0.2.0\\dist\\src\\cli\\main.js`, 'version']);
  assert.deepEqual(one(p, 'link.set'), { kind: 'link.set', path: `${PF}\\current`, target: `${PF}\\versions\\0.2.0` });
  assert.equal(one(p, 'dir.create', (a) => a.path === 'C:\\ProgramData\\wincri').acl, 'system-admins');

  const create = one(p, 'service.create');
  assert.equal(formatAction(create).split(' binPath=')[0], 'ACTION service.create name=wincri');
  assert.equal(create.binPath, `"${PF}\\current\\node.exe" --max-semi-space-size=1 --v8-pool-size=1 --no-memory-reducer "${PF}\\current\\dist\\src\\cli\\main.js" serve --config "C:\\ProgramData\\wincri\\config.yaml" --windows-service`);
  assert.equal(create.start, 'auto');
  assert.equal(formatAction(one(p, 'service.depend')), 'ACTION service.depend name=wincri depend=hns/vmcompute');
  assert.equal(formatAction(one(p, 'service.failure')), 'ACTION service.failure name=wincri resetSeconds=86400 actions=restart/5000/restart/10000/restart/30000 nonCrashFailures=true');
  assert.equal(formatAction(one(p, 'pipe.wait')), 'ACTION pipe.wait pipe=wincri timeoutSeconds=60');
  assert.equal(formatAction(one(p, 'eventlog.source')), 'ACTION eventlog.source source=wincri log=Application');

  const reg = one(p, 'registry.set');
  assert.equal(reg.key, 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\kubelet');
  assert.equal(reg.value, '"C:\\k\\kubelet.exe" --windows-service --config=C:\\k\\config.yaml --v=2 --container-runtime-endpoint=npipe:////./pipe/wincri --image-service-endpoint=npipe:////./pipe/wincri');
  assert.deepEqual(one(p, 'service.depend.edit'), { kind: 'service.depend.edit', name: 'kubelet', add: ['wincri'], remove: [] });
  // Order: staged and smoke-tested before the junction moves; service configured before it starts; kubelet last.
  const order = ['dir.copy', 'exec', 'link.set', 'file.write', 'service.create', 'service.depend', 'service.failure', 'eventlog.source', 'service.start', 'pipe.wait', 'registry.set', 'service.restart'] as const;
  const at = order.map((k) => indexOf(p, k));
  assert.deepEqual([...at].sort((a, b) => a - b), at, `order ${order.join(' < ')}: ${kinds(p).join(', ')}`);
});

test('the configuration an install writes is accepted by wincri\'s own loader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-deploy-'));
  for (const params of [{}, { cniConfDir: 'D:\\cni\\conf', cniBinDirs: ['D:\\cni\\bin', 'E:\\bin'] }]) {
    const p = installPlan({ source: SRC, version: '0.2.0', ...params }, freshNode());
    const file = join(dir, 'config.yaml');
    writeFileSync(file, one(p, 'file.write').content);
    const cfg = loadConfig(file);
    assert.equal(cfg.endpoint, 'npipe:////./pipe/wincri');
    assert.equal(cfg.backend, 'windows');
    assert.equal(cfg.root, 'C:\\ProgramData\\wincri');
    assert.equal(cfg.cni.confDir, 'cniConfDir' in params ? 'D:\\cni\\conf' : 'C:\\ProgramData\\wincri\\cni\\conf');
    assert.deepEqual(cfg.cni.binDirs, 'cniBinDirs' in params ? ['D:\\cni\\bin', 'E:\\bin'] : [`${PF}\\current\\cni\\bin`]);
  }
});

test('re-install keeps an existing config, stops kubelet then the daemon before moving the junction, restarts both', () => {
  const p = installPlan({ source: SRC, version: '0.2.0' }, installedNode());
  assert.equal(p.actions.filter((a) => a.kind === 'file.write').length, 0);
  assert.ok(p.actions.some((a) => a.kind === 'note' && a.message.includes('config.yaml exists and is kept')));
  assert.equal(one(p, 'service.binpath').name, 'wincri');
  assert.ok(!kinds(p).includes('service.create'));
  const stopKubelet = indexOf(p, 'service.stop', (a) => 'name' in a && a.name === 'kubelet');
  const stopWincri = indexOf(p, 'service.stop', (a) => 'name' in a && a.name === 'wincri');
  const link = indexOf(p, 'link.set');
  const startWincri = indexOf(p, 'service.start', (a) => 'name' in a && a.name === 'wincri');
  const startKubelet = indexOf(p, 'service.start', (a) => 'name' in a && a.name === 'kubelet');
  assert.ok(stopKubelet >= 0 && stopKubelet < stopWincri && stopWincri < link && link < startWincri && startWincri < startKubelet, kinds(p).join(', '));
  assert.ok(installPlan({ source: SRC, version: '0.2.0', overwriteConfig: true }, installedNode()).actions.some((a) => a.kind === 'file.write'));
});

test('install refuses what cannot work, with the parameter to fix it', () => {
  assert.throws(() => installPlan({ source: SRC }, readFacts({ sourceHasNode: false })), /-NodePath/);
  assert.throws(() => installPlan({}, freshNode()), /"source" is required/);
  assert.throws(() => installPlan({ source: SRC, sourceDir: 'x' }, freshNode()), /unknown parameter "sourceDir"/);
  assert.throws(() => installPlan({ source: SRC, configureKubelet: true }, readFacts({ sourceHasNode: true })), /kubelet service "kubelet" not found/);
  const ext = installPlan({ source: SRC, version: '0.2.0', nodePath: 'C:\\node\\node.exe', serviceHost: 'C:\\Program Files\\Amazon\\EKS\\bin\\EKS-WindowsServiceHost.exe' }, readFacts({ sourceHasNode: false }));
  assert.equal(one(ext, 'service.create').binPath, `"C:\\Program Files\\Amazon\\EKS\\bin\\EKS-WindowsServiceHost.exe" "C:\\node\\node.exe" --max-semi-space-size=1 --v8-pool-size=1 --no-memory-reducer "${PF}\\current\\dist\\src\\cli\\main.js" serve --config "C:\\ProgramData\\wincri\\config.yaml"`);
  assert.equal(one(ext, 'exec').file, 'C:\\node\\node.exe');
});

test('upgrade: stage + smoke test, stop (dependents first), flip, start, pipe; rollback to the previous release; containers untouched', () => {
  const p = upgradePlan({ source: SRC, version: '0.2.0' }, installedNode());
  const lines = p.actions.map(formatAction);
  const from = p.rollbackFrom!;
  assert.deepEqual(lines.slice(from), [
    'ACTION service.stop name=kubelet',
    'ACTION service.wait name=kubelet status=Stopped timeoutSeconds=60',
    'ACTION service.stop name=wincri',
    'ACTION service.wait name=wincri status=Stopped timeoutSeconds=60',
    `ACTION link.set path="${PF.replace(/\\/g, '\\\\')}\\\\current" target="${PF.replace(/\\/g, '\\\\')}\\\\versions\\\\0.2.0"`,
    'ACTION service.start name=wincri',
    'ACTION service.wait name=wincri status=Running timeoutSeconds=60',
    'ACTION pipe.wait pipe=wincri timeoutSeconds=60',
    'ACTION service.start name=kubelet',
    // pruning: 0.1.0 is the previous release, 0.0.8 the IO keeper's; keep=1 keeps the newest other (0.0.9).
    `ACTION dir.remove path="${PF.replace(/\\/g, '\\\\')}\\\\versions\\\\0.0.7"`,
    'ACTION note message="the IO keeper runs from release 0.0.8; that release stays until the keeper is restarted (node reboot)"',
  ]);
  assert.ok(lines.slice(0, from).some((l) => l.startsWith('ACTION exec ')), 'smoke test before anything stops');
  assert.deepEqual(p.rollback!.map(formatAction).slice(2, 3), [`ACTION link.set path="${PF.replace(/\\/g, '\\\\')}\\\\current" target="${PF.replace(/\\/g, '\\\\')}\\\\versions\\\\0.1.0"`]);
  // Nothing in an upgrade touches what containers depend on.
  for (const a of [...p.actions, ...p.rollback!]) {
    const text = formatAction(a).toLowerCase();
    assert.ok(!/vmcompute|name=hns|io-keeper|keeper\.pid/.test(text.replace(/message=".*"/, '')), text);
  }
  assert.ok(!p.actions.some((a) => a.kind === 'dir.remove' && /0\.0\.8|0\.1\.0|0\.2\.0/.test(a.path)));
});

test('upgrade to the running release is a no-op; upgrade needs an installed side-by-side layout', () => {
  assert.deepEqual(kinds(upgradePlan({ source: SRC, version: '0.1.0' }, installedNode())), ['check.admin', 'note']);
  assert.ok(kinds(upgradePlan({ source: SRC, version: '0.1.0', force: true }, installedNode())).includes('link.set'));
  assert.throws(() => upgradePlan({ source: SRC, version: '0.2.0' }, freshNode()), /not installed: run install.ps1/);
  assert.throws(() => upgradePlan({ source: SRC, version: '0.2.0' }, installedNode({ currentTarget: 'C:\\old\\wincri' })), /not a junction into/);
  assert.throws(() => upgradePlan({ source: SRC, version: '../evil' }, installedNode()), /not usable as a directory name/);
});

test('uninstall: kubelet restored, service stopped and deleted, data kept unless asked, refused while the keeper runs', () => {
  const p = uninstallPlan({ restoreKubelet: true }, installedNode());
  assert.equal(one(p, 'registry.set').value, '"C:\\k\\kubelet.exe" --windows-service --config=C:\\k\\config.yaml --v=2');
  assert.deepEqual(one(p, 'service.depend.edit'), { kind: 'service.depend.edit', name: 'kubelet', add: [], remove: ['wincri'] });
  assert.ok(indexOf(p, 'service.delete') > indexOf(p, 'service.stop', (a) => 'name' in a && a.name === 'wincri'));
  assert.equal(formatAction(p.actions[indexOf(p, 'service.delete') + 1]!), 'ACTION eventlog.source.remove source=wincri');
  assert.ok(indexOf(p, 'service.start', (a) => 'name' in a && a.name === 'kubelet') > indexOf(p, 'service.delete'));
  assert.ok(!kinds(p).includes('dir.remove'));
  assert.throws(() => uninstallPlan({ removeData: true }, installedNode()), /IO keeper is still running/);
  const wipe = uninstallPlan({ removeData: true, removeBinaries: true }, installedNode({ keeperCommandLine: '' }));
  assert.deepEqual(wipe.actions.filter((a) => a.kind === 'dir.remove').map(formatAction), ['ACTION dir.remove path=C:\\ProgramData\\wincri', `ACTION dir.remove path="${PF.replace(/\\/g, '\\\\')}"`]);
});

test('the planner command line: text = the dry-run ACTION lines, JSON carries the same lines, bad input exits 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-deploy-'));
  const input = join(dir, 'in.json');
  // As Windows PowerShell 5.1 writes it: BOM, a one-element list flattened to a string.
  writeFileSync(input, '\uFEFF' + JSON.stringify({ params: { source: SRC, version: '0.2.0' }, facts: { services: { vmcompute: running, hns: running }, versions: '0.1.0', sourceHasNode: true } }));
  const text = execFileSync(process.execPath, [PLANNER, 'install', '--input', input, '--format', 'text'], { encoding: 'utf8' });
  const expected = installPlan({ source: SRC, version: '0.2.0' }, readFacts({ services: { vmcompute: running, hns: running }, versions: ['0.1.0'], sourceHasNode: true }));
  assert.equal(text, expected.actions.map(formatAction).join('\n') + '\n');
  assert.match(text, /^ACTION service\.create name=wincri binPath=.* start=auto /m);
  const out = join(dir, 'plan.json');
  execFileSync(process.execPath, [PLANNER, 'install', '--input', input, '--out', out]);
  const json = JSON.parse(readFileSync(out, 'utf8')) as Plan & { display: string[] };
  assert.deepEqual(json.actions, expected.actions);
  assert.equal(json.display.join('\n') + '\n', text);
  writeFileSync(input, JSON.stringify({ params: { source: SRC, bogus: 1 }, facts: {} }));
  const bad = spawnSync(process.execPath, [PLANNER, 'install', '--input', input], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown parameter "bogus"/);
});
