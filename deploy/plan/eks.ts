/**
 * EKS plan (deploy/eks/Start-WincriEKSBootstrap.ps1, run from user data on an EKS-optimized Windows AMI that has
 * wincri baked in, see imagebuilder-component.yaml):
 *   before the bootstrap  config.yaml for EKS (CNI = the AMI's vpc-bridge config and binaries, so pods attach to
 *                         the bootstrap's pre-created vpcbr<mac> L2Bridge network), service registered, running,
 *                         pipe up, seed images imported (pause / base images from tars baked into the AMI);
 *   the bootstrap         Start-EKSBootstrap.ps1 with the operator's parameters, -KubeletExtraArgs ending in our
 *                         --container-runtime-endpoint / --image-service-endpoint (kubelet keeps the last value,
 *                         so they override the script's containerd pipe);
 *   after                 kubelet depends on wincri; optionally containerd stopped and disabled.
 * -ContainerRuntime (docker|containerd, present in some AMI generations) is not ours to set: it selects which of
 * AWS's runtimes the script configures; pass it through BootstrapParams only if your AMI's script needs it.
 */
import { win32 } from 'node:path';
import type { Action, Plan } from './actions.js';
import { readParams, service, type Facts } from './input.js';
import { NODE_DEFAULTS, layout, mainJs } from './layout.js';
import { nodeConfigYaml } from './config-doc.js';
import { eksKubeletExtraArgs } from './kubelet.js';
import { isRunning, nodeFor, preflight, registerService, startAndWait, stopAndWait } from './steps.js';

export const EKS_BOOTSTRAP = 'C:\\Program Files\\Amazon\\EKS\\Start-EKSBootstrap.ps1';
export const EKS_CNI_CONF_DIR = 'C:\\ProgramData\\Amazon\\EKS\\cni\\config';
export const EKS_CNI_BIN_DIR = 'C:\\Program Files\\Amazon\\EKS\\cni';

export const EKS_DEFAULTS = {
  clusterName: '',
  apiServerEndpoint: '',
  base64ClusterCA: '',
  dnsClusterIP: '',
  serviceCIDR: '',
  excludedSnatCIDRs: '',
  kubeletExtraArgs: '',
  kubeProxyExtraArgs: '',
  /** Further Start-EKSBootstrap.ps1 parameters, passed as they are. */
  bootstrapParams: {} as Record<string, string>,
  bootstrapScript: EKS_BOOTSTRAP,
  cniConfDir: EKS_CNI_CONF_DIR,
  cniBinDir: EKS_CNI_BIN_DIR,
  ...NODE_DEFAULTS,
  serviceHost: '',
  timeoutSeconds: 120,
  disableContainerd: false,
};
/** The AMI's service names (the script observes these two). */
export const EKS_KUBELET = 'kubelet';
export const EKS_CONTAINERD = 'containerd';

export function eksPlan(raw: Record<string, unknown>, facts: Facts): Plan {
  const p = readParams(raw, EKS_DEFAULTS, ['clusterName']);
  const l = layout(p.installDir, p.dataDir);
  const { node, check } = nodeFor(l, p.nodePath, facts);
  const actions: Action[] = preflight([
    ...check,
    { kind: 'check.path', path: mainJs(l.current), hint: 'wincri is not installed: bake it into the AMI (deploy/eks/imagebuilder-component.yaml) or run deploy/windows/install.ps1 -NoStart first' },
    { kind: 'check.path', path: p.bootstrapScript, hint: 'not an EKS-optimized Windows AMI (or pass -BootstrapScript)' },
    { kind: 'check.path', path: win32.join(p.cniBinDir, 'vpc-bridge.exe'), hint: 'the EKS vpc-bridge CNI plugin is missing (pass -CniBinDir)' },
  ]);

  actions.push(
    { kind: 'dir.create', path: l.dataDir, acl: 'system-admins' },
    { kind: 'file.write', path: l.configFile, content: nodeConfigYaml({ endpoint: p.endpoint, root: p.dataDir, cniConfDir: p.cniConfDir, cniBinDirs: [p.cniBinDir] }, 'deploy/eks/Start-WincriEKSBootstrap.ps1') },
    ...registerService({ name: p.serviceName, node, configFile: l.configFile, serviceHost: p.serviceHost, l }, facts),
  );
  // A running daemon (the AMI bake started it) restarts to read the EKS configuration; containers keep running.
  const dependents = isRunning(facts, p.serviceName) ? service(facts, p.serviceName).dependents : [];
  if (isRunning(facts, p.serviceName)) actions.push(...stopAndWait(p.serviceName, dependents, p.timeoutSeconds));
  actions.push(...startAndWait(p.serviceName, p.endpoint, p.timeoutSeconds, dependents));
  for (const tar of facts.seedImages) {
    actions.push({ kind: 'exec', file: node, args: [mainJs(l.current), 'images', 'import', '--endpoint', p.endpoint, tar], why: 'pre-seed an image so the first pods need no pull' });
  }

  actions.push({ kind: 'script.run', path: p.bootstrapScript, params: bootstrapParams(p) });
  actions.push({ kind: 'service.depend.edit', name: EKS_KUBELET, add: [p.serviceName], remove: p.disableContainerd ? [EKS_CONTAINERD] : [] });
  if (p.disableContainerd) {
    actions.push(
      { kind: 'service.stop', name: EKS_CONTAINERD },
      { kind: 'service.startup', name: EKS_CONTAINERD, start: 'disabled' },
    );
  }
  return { operation: 'eks', actions };
}

export function bootstrapParams(p: typeof EKS_DEFAULTS): Record<string, string> {
  const named: Record<string, string> = {
    EKSClusterName: p.clusterName,
    APIServerEndpoint: p.apiServerEndpoint,
    Base64ClusterCA: p.base64ClusterCA,
    DNSClusterIP: p.dnsClusterIP,
    ServiceCIDR: p.serviceCIDR,
    ExcludedSnatCIDRs: p.excludedSnatCIDRs,
    KubeletExtraArgs: eksKubeletExtraArgs(p.kubeletExtraArgs, p.endpoint),
    KubeProxyExtraArgs: p.kubeProxyExtraArgs,
  };
  for (const [k, v] of Object.entries(p.bootstrapParams)) {
    if (k in named) throw new Error(`BootstrapParams.${k}: use the script's own -${k === 'EKSClusterName' ? 'ClusterName' : k} parameter`);
    named[k] = v;
  }
  return Object.fromEntries(Object.entries(named).filter(([, v]) => v !== ''));
}
