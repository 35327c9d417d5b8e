import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { parseArgs, UsageError } from '../../../src/cli/args.js';
import { checkConfigFile } from '../../../src/cli/commands/config.js';
import { pruneCandidates } from '../../../src/cli/commands/images.js';
import { podsTable } from '../../../src/cli/commands/ps.js';
import { paramsFrom, servicePlan } from '../../../src/cli/commands/service.js';
import { formatInfo } from '../../../src/cli/commands/info.js';
import { doctorExitCode, ok, warn, fail, skip } from '../../../src/cli/doctor/check.js';
import { kubeletCheck, kubeletEndpoint, sameEndpoint, diskCheck } from '../../../src/cli/doctor/node.js';
import { windowsBuildCheck } from '../../../src/cli/doctor/host.js';
import { maskConfig, MASK } from '../../../src/config/mask.js';
import { defaults, configFromDocument } from '../../../src/config/config.js';
import { readFacts } from '../../../deploy/plan/input.js';

const CLI = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const wincri = (args: string[], input?: string) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input });

test('args: flags, aliases, lists, -- and usage errors', () => {
  const p = parseArgs(['-a', '--output=json', 'x', '--l', '1', '--l', '2', '--', '--not-a-flag'], { all: 'boolean', output: 'string', l: 'list' }, { a: 'all' });
  assert.deepEqual(p, { flags: { all: true, output: 'json', l: ['1', '2'] }, args: ['x', '--not-a-flag'], help: false });
  assert.throws(() => parseArgs(['--nope'], {}), UsageError);
  assert.throws(() => parseArgs(['-z'], {}), UsageError);
  assert.throws(() => parseArgs(['--output'], { output: 'string' }), /needs a value/);
});

test('config check: every problem with its exact path; config default round-trips', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-cfg-'));
  try {
    const f = join(dir, 'c.yaml');
    writeFileSync(f, 'registries:\n  docker.io:\n    mirrors: ["https://m:5000", 5]\n    auth: { username: u }\nemulator: { osVersion: 7 }\nruntimeHandlers: [a, 1]\nbogus: true\n');
    assert.deepEqual(checkConfigFile(f).sort(), [
      'bogus: unknown key',
      'emulator.osVersion: expected a string, got number 7',
      'registries."docker.io".auth.password: missing (expected a string)',
      'registries."docker.io".mirrors[1]: expected a string, got number 5',
      'runtimeHandlers[1]: expected a string, got number 1',
    ]);
    writeFileSync(f, 'a: [\n');
    assert.match(checkConfigFile(f)[0]!, /c\.yaml: .*/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
  const def = wincri(['config', 'default']);
  assert.equal(def.status, 0);
  const chk = wincri(['config', 'check', '-'], def.stdout);
  assert.equal(chk.status, 0, chk.stderr);
  assert.equal(wincri(['config', 'check', '-'], 'metrics: { adress: x }\n').stderr.trim(), 'metrics.adress: unknown key');
  assert.equal(wincri(['config', 'check', '-'], 'metrics: { adress: x }\n').status, 1);
});

test('exit codes: usage errors are 2, help is 0', () => {
  assert.equal(wincri(['nope']).status, 2);
  assert.equal(wincri(['ps', '--bogus']).status, 2);
  assert.equal(wincri([]).status, 2);
  for (const c of ['serve', 'info', 'config', 'images', 'ps', 'pods', 'doctor', 'service', 'version', 'node-agent']) {
    const r = wincri([c, '--help']);
    assert.equal(r.status, 0, c);
    assert.match(r.stdout, /Exit codes|Usage/, c);
  }
  assert.equal(wincri(['ps', '--endpoint', 'unix:///nonexistent/wincri.sock']).status, 1);
});

test('secrets are masked: registry passwords and TLS keys', () => {
  const cfg = configFromDocument({ registries: { 'r:5000': { auth: { username: 'u', password: 'hunter2' }, cert: '/c.pem', key: '/k.pem' } } });
  const m = maskConfig(cfg);
  assert.deepEqual(m.registries['r:5000'], { auth: { username: 'u', password: MASK }, cert: '/c.pem', key: MASK });
  assert.equal(cfg.registries['r:5000']!.auth!.password, 'hunter2', 'the original is untouched');
  const text = formatInfo({ daemon: { version: '1', backend: 'emulator', osVersion: '10.0.20348', architecture: 'amd64', endpoint: 'unix:///x', pid: 1, node: 'v20', config: m as never, runtimeHandlers: ['', 'h', 'vm'], handlerIsolation: { h: 'process', vm: 'hyperv' } }, conditions: [{ type: 'NetworkReady', status: false, reason: 'NetworkPluginNotReady', message: 'no conf' }], runtimeApiVersion: 'v1' });
  assert.doesNotMatch(text, /hunter2/);
  assert.match(text, /NetworkReady\s+false\s+NetworkPluginNotReady: no conf/);
  assert.match(text, /runtime handlers: \(default\), h \(process\), vm \(hyperv\)/);
});

test('images prune keeps images any container uses (by ID or digest) and pinned ones', () => {
  const img = (id: string, extra = {}) => ({ id, repoTags: [], repoDigests: [`r@${id}`], size: '1', ...extra });
  const images = [img('sha256:a'), img('sha256:b'), img('sha256:c', { pinned: true }), img('sha256:d')];
  const left = pruneCandidates(images, [{ id: 'c1', imageId: 'sha256:a' }, { id: 'c2', imageRef: 'r@sha256:d' }]);
  assert.deepEqual(left.map((i) => i.id), ['sha256:b']);
});

test('pods table: newest first, short IDs, states', () => {
  const now = 1_700_000_100_000;
  const t = podsTable([
    { id: 'a'.repeat(64), metadata: { name: 'old', namespace: 'ns', attempt: 0, uid: 'u' }, state: 'SANDBOX_NOTREADY', createdAt: String(BigInt(now - 7200_000) * 1_000_000n), runtimeHandler: '' },
    { id: 'b'.repeat(64), metadata: { name: 'new', namespace: 'ns', attempt: 1, uid: 'u' }, state: 'SANDBOX_READY', createdAt: String(BigInt(now - 5_000) * 1_000_000n), runtimeHandler: 'h' },
  ], now).split('\n');
  assert.match(t[0]!, /^POD ID\s+CREATED\s+STATE\s+NAME/);
  assert.match(t[1]!, /^b{13}\s+5s ago\s+Ready\s+new\s+ns\s+1\s+h$/);
  assert.match(t[2]!, /^a{13}\s+2h ago\s+NotReady\s+old\s+ns\s+0\s+\(default\)$/);
});

test('service --dry-run prints the deploy planner\'s actions; off Windows without it: exit 2', () => {
  const plan = servicePlan('install', paramsFrom('install', { 'node-path': 'C:\\node\\node.exe', source: 'C:\\rel', 'configure-kubelet': false }), readFacts({}));
  assert.ok(plan.actions.some((a) => a.kind === 'service.create' && a.binPath.endsWith('--windows-service')));
  const stop = servicePlan('stop', {}, readFacts({ services: { wincri: { exists: true, status: 'Running', dependents: ['kubelet'] } } }));
  assert.deepEqual(stop.actions.map((a) => `${a.kind} ${'name' in a ? a.name : ''}`), ['service.stop kubelet', 'service.wait kubelet', 'service.stop wincri', 'service.wait wincri']);
  const out = execFileSync(process.execPath, [CLI, 'service', 'start', '--dry-run', '--timeout-seconds', '30'], { encoding: 'utf8' });
  assert.equal(out, 'ACTION service.start name=wincri\nACTION service.wait name=wincri status=Running timeoutSeconds=30\nACTION pipe.wait pipe=wincri timeoutSeconds=30\n');
  if (process.platform !== 'win32') assert.equal(wincri(['service', 'start']).status, 2);
  assert.equal(wincri(['service', 'install', '--dry-run', '--bogus-param', 'x']).status, 2);
});

test('doctor: exit codes, kubelet endpoint discovery, disk thresholds, Windows build', () => {
  assert.equal(doctorExitCode([ok('a', ''), skip('b', '')]), 0);
  assert.equal(doctorExitCode([ok('a', ''), warn('b', '', '')]), 3);
  assert.equal(doctorExitCode([warn('b', '', ''), fail('c', '', '')]), 1);
  assert.ok(sameEndpoint('unix:///run/wincri/wincri.sock', '/run/wincri/wincri.sock'));
  assert.ok(sameEndpoint('npipe:////./pipe/wincri', 'npipe:////./pipe/WINCRI'));
  assert.ok(!sameEndpoint('npipe:////./pipe/containerd-containerd', 'npipe:////./pipe/wincri'));
  assert.equal(kubeletEndpoint(['kubelet', '--v=2', '--container-runtime-endpoint', 'unix:///a.sock']), 'unix:///a.sock');
  assert.equal(kubeletEndpoint(['kubelet', '--config=/k.yaml'], () => YAML.stringify({ containerRuntimeEndpoint: 'unix:///b.sock' })), 'unix:///b.sock');
  const cfg = defaults('linux');
  assert.equal(kubeletCheck(cfg, []).status, 'skip');
  assert.equal(kubeletCheck(cfg, [['kubelet', `--container-runtime-endpoint=${cfg.endpoint}`]]).status, 'ok');
  const bad = kubeletCheck(cfg, [['kubelet', '--container-runtime-endpoint=unix:///run/containerd/containerd.sock']]);
  assert.equal(bad.status, 'fail');
  assert.match(bad.fix!, /--container-runtime-endpoint=unix:\/\/\/run\/wincri\/wincri.sock/);
  const fs = (freeGiB: number, totalGiB: number) => () => ({ bavail: freeGiB * 1024, bsize: 1024 ** 2, blocks: totalGiB * 1024 }) as never;
  assert.equal(diskCheck(cfg, fs(0.5, 100)).status, 'fail');
  assert.equal(diskCheck(cfg, fs(8, 100)).status, 'warn');
  assert.equal(diskCheck(cfg, fs(50, 100)).status, 'ok');
  assert.equal(windowsBuildCheck('10.0.20348').status, 'ok');
  assert.equal(windowsBuildCheck('10.0.17763').status, 'warn');
  assert.equal(windowsBuildCheck('10.0.14393').status, 'fail');
});
