/**
 * Install plan (deploy/windows/install.ps1): stage the release side by side, point `current` at it, write the
 * configuration (kept if present unless overwriteConfig), register the service (auto start, depends on hns and
 * vmcompute, restart on failure), start it and wait for the pipe; optionally point kubelet at the pipe.
 */
import { win32 } from 'node:path';
import { VERSION } from '../../src/version.js';
import type { Action, Plan } from './actions.js';
import { readParams, service, type Facts } from './input.js';
import { NODE_DEFAULTS, checkVersion, layout, versionDir } from './layout.js';
import { nodeConfigYaml } from './config-doc.js';
import { kubeletCommandLine } from './kubelet.js';
import { isRunning, nodeFor, preflight, registerService, stageRelease, startAndWait, stopAndWait } from './steps.js';

export const INSTALL_DEFAULTS = {
  source: '',
  ...NODE_DEFAULTS,
  serviceHost: '',
  cniConfDir: '',
  cniBinDirs: [] as string[],
  overwriteConfig: false,
  start: true,
  configureKubelet: false,
  kubeletServiceName: 'kubelet',
  timeoutSeconds: 60,
  version: '',
};
export type InstallParams = typeof INSTALL_DEFAULTS;

export function installPlan(raw: Record<string, unknown>, facts: Facts): Plan {
  const p = readParams(raw, INSTALL_DEFAULTS, ['source']);
  const version = checkVersion(p.version || VERSION);
  const l = layout(p.installDir, p.dataDir);
  const { node, check } = nodeFor(l, p.nodePath, facts);
  const actions: Action[] = [...preflight(check), ...stageRelease(l, p.source, version, p.nodePath, facts)];

  // The junction must not move under a running daemon: stop it first (containers keep running).
  const dependents = isRunning(facts, p.serviceName) ? service(facts, p.serviceName).dependents : [];
  if (isRunning(facts, p.serviceName)) {
    actions.push({ kind: 'note', message: `service ${p.serviceName} is running: it is stopped for the switch; containers keep running` });
    actions.push(...stopAndWait(p.serviceName, dependents, p.timeoutSeconds));
  }
  actions.push({ kind: 'link.set', path: l.current, target: versionDir(l, version) });

  actions.push({ kind: 'dir.create', path: l.dataDir, acl: 'system-admins' });
  if (facts.configExists && !p.overwriteConfig) {
    actions.push({ kind: 'note', message: `${l.configFile} exists and is kept (pass -OverwriteConfig to replace it)` });
  } else {
    actions.push({
      kind: 'file.write', path: l.configFile,
      content: nodeConfigYaml({
        endpoint: p.endpoint, root: p.dataDir,
        cniConfDir: p.cniConfDir || win32.join(p.dataDir, 'cni', 'conf'),
        cniBinDirs: p.cniBinDirs.length ? p.cniBinDirs : [win32.join(l.current, 'cni', 'bin')],
      }, 'deploy/windows/install.ps1'),
    });
  }

  actions.push(...registerService({ name: p.serviceName, node, configFile: l.configFile, serviceHost: p.serviceHost, l }, facts));
  if (p.start) actions.push(...startAndWait(p.serviceName, p.endpoint, p.timeoutSeconds, dependents));
  else if (dependents.length) actions.push({ kind: 'note', message: `not started (-NoStart): ${dependents.join(', ')} stay stopped until ${p.serviceName} runs` });
  if (p.configureKubelet) actions.push(...kubeletActions(p, facts));
  return { operation: 'install', actions };
}

function kubeletActions(p: InstallParams, facts: Facts): Action[] {
  const k = service(facts, p.kubeletServiceName);
  if (!k.exists || !k.imagePath) throw new Error(`kubelet service "${p.kubeletServiceName}" not found: install kubelet first or leave out -ConfigureKubelet`);
  return [
    { kind: 'registry.set', key: `HKLM:\\SYSTEM\\CurrentControlSet\\Services\\${p.kubeletServiceName}`, name: 'ImagePath', value: kubeletCommandLine(k.imagePath, p.endpoint) },
    { kind: 'service.depend.edit', name: p.kubeletServiceName, add: [p.serviceName], remove: [] },
    { kind: 'service.restart', name: p.kubeletServiceName },
  ];
}
