/** The EKS plan: wincri configured on AWS's CNI, serving before the bootstrap, kubelet pointed at it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Action, Plan } from '../../../deploy/plan/actions.js';
import { readFacts } from '../../../deploy/plan/input.js';
import { eksPlan } from '../../../deploy/plan/eks.js';
import { formatAction } from '../../../deploy/plan/format.js';
import { loadConfig } from '../../../src/config/config.js';
import { parseNetworkConfig } from '../../../src/network/config.js';

const running = { exists: true, status: 'Running' };
const baked = (over: Record<string, unknown> = {}) => readFacts({
  services: { vmcompute: running, hns: running, wincri: { exists: true, status: 'Stopped' }, containerd: running, kubelet: { exists: true, status: 'Stopped' } },
  configExists: true, versions: ['0.2.0'], currentTarget: 'C:\\Program Files\\wincri\\versions\\0.2.0', sourceHasNode: true,
  seedImages: ['C:\\ProgramData\\wincri\\seed\\nanoserver-ltsc2022.tar', 'C:\\ProgramData\\wincri\\seed\\pause.tar'],
  ...over,
});
const pick = <K extends Action['kind']>(p: Plan, kind: K) => p.actions.filter((a): a is Extract<Action, { kind: K }> => a.kind === kind);
const at = (p: Plan, pred: (a: Action) => boolean) => p.actions.findIndex(pred);

test('EKS: config on the AMI\'s vpc-bridge CNI, accepted by wincri\'s loader', () => {
  const p = eksPlan({ clusterName: 'prod' }, baked());
  const [write] = pick(p, 'file.write');
  assert.equal(write!.path, 'C:\\ProgramData\\wincri\\config.yaml');
  const file = join(mkdtempSync(join(tmpdir(), 'wincri-eks-')), 'config.yaml');
  writeFileSync(file, write!.content);
  const cfg = loadConfig(file);
  assert.equal(cfg.endpoint, 'npipe:////./pipe/wincri');
  assert.equal(cfg.backend, 'windows');
  assert.equal(cfg.cni.confDir, 'C:\\ProgramData\\Amazon\\EKS\\cni\\config');
  assert.deepEqual(cfg.cni.binDirs, ['C:\\Program Files\\Amazon\\EKS\\cni']);
  assert.ok(p.actions.some((a) => a.kind === 'check.path' && a.path === 'C:\\Program Files\\Amazon\\EKS\\cni\\vpc-bridge.exe'));
  assert.ok(p.actions.some((a) => a.kind === 'check.path' && a.path === 'C:\\Program Files\\Amazon\\EKS\\Start-EKSBootstrap.ps1'));
});

test('EKS: the bootstrap gets the operator\'s parameters and kubelet flags ending in the wincri pipe', () => {
  const p = eksPlan({
    clusterName: 'prod', apiServerEndpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', base64ClusterCA: 'LS0t',
    dnsClusterIP: '10.100.0.10', kubeletExtraArgs: '--node-labels=a=b --container-runtime-endpoint=npipe:////./pipe/containerd-containerd',
    bootstrapParams: { ContainerRuntime: 'containerd' },
  }, baked());
  const [run] = pick(p, 'script.run');
  assert.equal(run!.path, 'C:\\Program Files\\Amazon\\EKS\\Start-EKSBootstrap.ps1');
  assert.deepEqual(run!.params, {
    EKSClusterName: 'prod', APIServerEndpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', Base64ClusterCA: 'LS0t',
    DNSClusterIP: '10.100.0.10', ContainerRuntime: 'containerd',
    KubeletExtraArgs: '--node-labels=a=b --container-runtime-endpoint=npipe:////./pipe/wincri --image-service-endpoint=npipe:////./pipe/wincri',
  });
  assert.throws(() => eksPlan({ clusterName: 'x', bootstrapParams: { KubeletExtraArgs: '--v=4' } }, baked()), /use the script's own -KubeletExtraArgs/);
  assert.throws(() => eksPlan({}, baked()), /"clusterName" is required/);
});

test('EKS: wincri serves and the images are seeded before the bootstrap starts kubelet; kubelet then depends on wincri', () => {
  const p = eksPlan({ clusterName: 'prod' }, baked());
  const pipe = at(p, (a) => a.kind === 'pipe.wait');
  const imports = p.actions.map((a, i) => [a, i] as const).filter(([a]) => a.kind === 'exec').map(([a, i]) => [formatAction(a), i] as const);
  const bootstrap = at(p, (a) => a.kind === 'script.run');
  assert.equal(imports.length, 2);
  for (const [line, i] of imports) {
    assert.match(line, /"images","import","--endpoint","npipe:\/\/\/\/\.\/pipe\/wincri","C:\\\\ProgramData\\\\wincri\\\\seed\\\\/);
    assert.ok(pipe < i && i < bootstrap, `pipe ${pipe} < import ${i} < bootstrap ${bootstrap}`);
  }
  assert.ok(at(p, (a) => a.kind === 'service.create' || a.kind === 'service.binpath') < at(p, (a) => a.kind === 'service.start'));
  const edit = pick(p, 'service.depend.edit')[0]!;
  assert.deepEqual(edit, { kind: 'service.depend.edit', name: 'kubelet', add: ['wincri'], remove: [] });
  assert.ok(at(p, (a) => a === edit) > bootstrap);
  assert.ok(!p.actions.some((a) => 'name' in a && a.name === 'containerd'), 'containerd is left alone by default');
});

test('EKS: -DisableContainerd stops and disables containerd after the bootstrap and drops kubelet\'s dependency on it', () => {
  const p = eksPlan({ clusterName: 'prod', disableContainerd: true }, baked({ seedImages: [] }));
  const tail = p.actions.slice(at(p, (a) => a.kind === 'script.run') + 1).map(formatAction);
  assert.deepEqual(tail, [
    'ACTION service.depend.edit name=kubelet add=wincri remove=containerd',
    'ACTION service.stop name=containerd',
    'ACTION service.startup name=containerd start=disabled',
  ]);
});

test('EKS: a running daemon is restarted (dependents first) to read the EKS configuration', () => {
  const p = eksPlan({ clusterName: 'prod' }, baked({ services: { wincri: { ...running, dependents: ['kubelet'] }, kubelet: running }, seedImages: [] }));
  const lines = p.actions.map(formatAction);
  const i = lines.indexOf('ACTION service.stop name=kubelet');
  assert.ok(i > 0);
  assert.deepEqual(lines.slice(i, i + 4), [
    'ACTION service.stop name=kubelet', 'ACTION service.wait name=kubelet status=Stopped timeoutSeconds=120',
    'ACTION service.stop name=wincri', 'ACTION service.wait name=wincri status=Stopped timeoutSeconds=120',
  ]);
  assert.ok(lines.indexOf('ACTION service.start name=kubelet') > lines.indexOf('ACTION pipe.wait pipe=wincri timeoutSeconds=120'));
});

test('the vpc-bridge configuration the EKS bootstrap writes is one wincri\'s CNI loader accepts', () => {
  // Shape as documented for the AMI (shared/reference/eks.md), values made up.
  const conf = JSON.stringify({
    cniVersion: '0.4.0', name: 'vpc', type: 'vpc-bridge', capabilities: { portMappings: true }, disableCheck: true,
    eniMACAddress: '0a:1b:2c:3d:4e:5f', eniIPAddresses: ['10.0.1.25/24'], gatewayIPAddress: '10.0.1.1',
    vpcCIDRs: ['10.0.0.0/16'], serviceCIDR: '172.20.0.0/16',
    dns: { nameservers: ['172.20.0.10'], search: ['{%namespace%}.svc.cluster.local', 'svc.cluster.local', 'cluster.local'] },
  });
  const list = parseNetworkConfig(conf, 'C:\\ProgramData\\Amazon\\EKS\\cni\\config\\vpc-bridge.conf');
  assert.equal(list.plugins[0]!.type, 'vpc-bridge');
  assert.equal(list.disableCheck, true);
  assert.deepEqual(list.plugins[0]!.capabilities, { portMappings: true });
});
