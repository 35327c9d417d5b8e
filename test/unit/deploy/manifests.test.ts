/**
 * deploy/kubernetes: the YAML parses into valid-looking Kubernetes objects (required fields, the HostProcess
 * rules the API server enforces), RuntimeClass handlers match wincri's handler names, the node agent's command
 * is one the CLI accepts, and the CNI examples pass wincri's loader and the plugin's parser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { defaults } from '../../../src/config/config.js';
import { parseNetworkConfig } from '../../../src/network/config.js';
import { parseNetConf } from '../../../cni/plugin/config.js';
import { endpointFlags } from '../../../deploy/plan/kubelet.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const K8S = join(ROOT, 'deploy/kubernetes');
type Obj = Record<string, any>;
const docs = (file: string): Obj[] => YAML.parseAllDocuments(readFileSync(join(K8S, file), 'utf8')).map((d) => {
  assert.deepEqual(d.errors, [], file);
  return d.toJS() as Obj;
});
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Handler names of a runtimeHandlers setting, list (today) or map name → settings. */
function handlerNames(h: unknown): string[] {
  return Array.isArray(h) ? h.map(String) : Object.keys(h as object);
}

test('every manifest object has apiVersion, kind and a valid metadata.name', () => {
  const files = readdirSync(K8S).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 4, files.join(', '));
  for (const f of files) {
    for (const o of docs(f)) {
      assert.match(String(o.apiVersion), /^([a-z0-9.-]+\/)?v\d+(alpha\d+|beta\d+)?$/, `${f}: apiVersion`);
      assert.match(String(o.kind), /^[A-Z][A-Za-z]+$/, `${f}: kind`);
      if (o.kind !== 'KubeletConfiguration') assert.match(String(o.metadata?.name), DNS1123, `${f}: metadata.name`);
    }
  }
});

test('RuntimeClasses: handlers are wincri handler names, scheduled on Windows nodes only', () => {
  const [proc] = docs('runtimeclass-process.yaml');
  const [hv] = docs('runtimeclass-hyperv.yaml');
  for (const rc of [proc!, hv!]) {
    assert.equal(rc.apiVersion, 'node.k8s.io/v1');
    assert.equal(rc.kind, 'RuntimeClass');
    assert.match(rc.handler, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'handler is a DNS label (API validation)');
    assert.equal(rc.scheduling.nodeSelector['kubernetes.io/os'], 'windows');
    assert.ok(rc.scheduling.tolerations.every((t: Obj) => ['Equal', 'Exists'].includes(t.operator)));
  }
  // The process handler is one the daemon accepts out of the box.
  assert.ok(handlerNames(defaults('win32').runtimeHandlers).includes(proc!.handler), `${proc!.handler} in wincri's default runtimeHandlers`);
  // The Hyper-V one is containerd's name, a Hyper-V handler of wincri's defaults.
  assert.equal(hv!.handler, 'runhcs-wcow-hypervisor');
  assert.equal(defaults('win32').runtimeHandlers[hv!.handler]?.isolation, 'hyperv');
  assert.ok(hv!.overhead.podFixed.memory && hv!.overhead.podFixed.cpu);
});

test('node agent: HostProcess DaemonSet with host network as SYSTEM, RBAC to get/list/watch nodes, a command the CLI knows', () => {
  const objs = docs('node-agent.yaml');
  const byKind = (k: string) => objs.filter((o) => o.kind === k);
  const sa = byKind('ServiceAccount')[0]!;
  const role = byKind('ClusterRole')[0]!;
  const binding = byKind('ClusterRoleBinding')[0]!;
  const ds = byKind('DaemonSet')[0]!;
  assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }]);
  assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }]);
  assert.equal(ds.apiVersion, 'apps/v1');
  const spec = ds.spec.template.spec;
  assert.deepEqual(ds.spec.selector.matchLabels, ds.spec.template.metadata.labels, 'selector matches the template');
  assert.equal(spec.serviceAccountName, sa.metadata.name);
  assert.equal(ds.metadata.namespace, sa.metadata.namespace);
  // API validation of HostProcess pods: hostNetwork true, hostProcess everywhere, and a user to run as.
  assert.equal(spec.hostNetwork, true);
  assert.equal(spec.securityContext.windowsOptions.hostProcess, true);
  assert.equal(spec.securityContext.windowsOptions.runAsUserName, 'NT AUTHORITY\\SYSTEM');
  assert.equal(spec.nodeSelector['kubernetes.io/os'], 'windows');
  for (const c of spec.containers) assert.notEqual(c.securityContext?.windowsOptions?.hostProcess, false);
  const [c] = spec.containers;
  const args: string[] = c.command;
  assert.match(args[0]!, /node\.exe$/);
  assert.match(args[1]!, /\\dist\\src\\cli\\main\.js$/);
  assert.equal(args[2], 'node-agent');
  const flags = new Map<string, string>();
  for (let i = 3; i < args.length; i += 2) flags.set(args[i]!, args[i + 1]!);
  assert.deepEqual([...flags.keys()].sort(), ['--config', '--network', '--node']);
  assert.equal(flags.get('--node'), '$(NODE_NAME)');
  assert.equal(c.env.find((e: Obj) => e.name === 'NODE_NAME').valueFrom.fieldRef.fieldPath, 'spec.nodeName');
  // --network names the overlay CNI example's network.
  const overlay = JSON.parse(readFileSync(join(K8S, 'cni/10-overlay.conflist'), 'utf8'));
  assert.equal(flags.get('--network'), overlay.name);
  const help = readFileSync(join(ROOT, 'src/cli/commands/internal.ts'), 'utf8');
  assert.match(help, /Usage: wincri node-agent --node NAME --network NAME \[--kubeconfig FILE\] \[--config FILE\]/);
});

test('kubelet configuration points at the wincri pipe, as the flags do', () => {
  const [kc] = docs('kubelet-config.yaml');
  assert.equal(kc!.apiVersion, 'kubelet.config.k8s.io/v1beta1');
  assert.equal(kc!.kind, 'KubeletConfiguration');
  assert.equal(kc!.containerRuntimeEndpoint, 'npipe:////./pipe/wincri');
  assert.equal(kc!.imageServiceEndpoint, 'npipe:////./pipe/wincri');
  assert.equal(kc!.cgroupsPerQOS, false);
  const text = readFileSync(join(K8S, 'kubelet-config.yaml'), 'utf8');
  for (const f of endpointFlags('npipe:////./pipe/wincri')) assert.ok(text.includes(f), f);
});

test('CNI examples: wincri\'s loader takes them and the plugin parses each plugin entry', () => {
  const dir = join(K8S, 'cni');
  const files = readdirSync(dir).filter((f) => f.endsWith('.conflist')).sort();
  assert.deepEqual(files, ['10-l2bridge.conflist', '10-nat.conflist', '10-overlay.conflist']);
  const modes = new Set<string>();
  for (const f of files) {
    const list = parseNetworkConfig(readFileSync(join(dir, f), 'utf8'), f);
    assert.equal(list.cniVersion, '1.1.0');
    for (const p of list.plugins) {
      // What libcni (and wincri) hands the plugin: the entry with the list's name and version.
      const conf = parseNetConf(JSON.stringify({ cniVersion: list.cniVersion, name: list.name, ...p }));
      modes.add(conf.mode);
      assert.equal(conf.ipam.kind, 'host-local', f);
      assert.deepEqual(conf.dns.nameservers, ['10.96.0.10'], f);
      if (conf.mode === 'overlay') { assert.equal(conf.vni, 4096); assert.equal(conf.providerAddress, '192.168.1.11'); }
      if (conf.mode === 'l2bridge') assert.equal(conf.nodeIP, '192.168.1.12');
    }
  }
  assert.deepEqual([...modes].sort(), ['l2bridge', 'nat', 'overlay']);
});
