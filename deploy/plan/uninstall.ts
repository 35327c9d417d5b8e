/**
 * Uninstall plan (deploy/windows/uninstall.ps1): restore kubelet (optional), stop and delete the service.
 * Containers keep running in HCS; removing data (state, images, logs) or binaries is opt-in and meant for a
 * drained node.
 */
import type { Action, Plan } from './actions.js';
import { readParams, service, type Facts } from './input.js';
import { DEFAULT_DATA_DIR, DEFAULT_INSTALL_DIR, DEFAULT_SERVICE, EVENT_SOURCE } from './layout.js';
import { kubeletCommandLine } from './kubelet.js';
import { isRunning, stopAndWait } from './steps.js';

export const UNINSTALL_DEFAULTS = {
  installDir: DEFAULT_INSTALL_DIR,
  dataDir: DEFAULT_DATA_DIR,
  serviceName: DEFAULT_SERVICE,
  restoreKubelet: false,
  kubeletServiceName: 'kubelet',
  removeData: false,
  removeBinaries: false,
  timeoutSeconds: 60,
};

export function uninstallPlan(raw: Record<string, unknown>, facts: Facts): Plan {
  const p = readParams(raw, UNINSTALL_DEFAULTS);
  const actions: Action[] = [{ kind: 'check.admin' }];
  const k = service(facts, p.kubeletServiceName);
  if (p.restoreKubelet && k.exists && k.imagePath) {
    actions.push(
      { kind: 'registry.set', key: `HKLM:\\SYSTEM\\CurrentControlSet\\Services\\${p.kubeletServiceName}`, name: 'ImagePath', value: kubeletCommandLine(k.imagePath) },
      { kind: 'service.depend.edit', name: p.kubeletServiceName, add: [], remove: [p.serviceName] },
    );
  } else if (p.restoreKubelet) {
    actions.push({ kind: 'note', message: `kubelet service ${p.kubeletServiceName} not found: nothing to restore` });
  }
  if (service(facts, p.serviceName).exists) {
    const dependents = isRunning(facts, p.serviceName) ? service(facts, p.serviceName).dependents : [];
    if (isRunning(facts, p.serviceName)) actions.push(...stopAndWait(p.serviceName, dependents, p.timeoutSeconds));
    actions.push({ kind: 'service.delete', name: p.serviceName }, { kind: 'eventlog.source.remove', source: EVENT_SOURCE });
    // A restored kubelet goes back to its own runtime; an unrestored one would only fail against a missing pipe.
    if (p.restoreKubelet && k.exists) {
      for (const d of dependents.filter((x) => x.toLowerCase() === p.kubeletServiceName.toLowerCase())) actions.push({ kind: 'service.start', name: d });
    }
  } else {
    actions.push({ kind: 'note', message: `service ${p.serviceName} is not installed` });
  }
  actions.push({ kind: 'note', message: 'containers keep running in HCS; drain the node before removing data' });
  if ((p.removeData || p.removeBinaries) && facts.keeperCommandLine) {
    throw new Error('the IO keeper is still running (it owns container stdio and holds its files open): drain the node and reboot, then remove data or binaries');
  }
  if (p.removeData) actions.push({ kind: 'dir.remove', path: p.dataDir });
  if (p.removeBinaries) actions.push({ kind: 'dir.remove', path: p.installDir });
  return { operation: 'uninstall', actions };
}
