/**
 * Upgrade plan (deploy/windows/upgrade.ps1): new release side by side, smoke-tested, then
 * stop daemon → flip `current` → start daemon → wait for the pipe. Rolls back to the previous release if the
 * new one does not come up.
 *
 * Containers are not stopped: they are HCS compute systems created with ShouldTerminateOnLastHandleClosed=false,
 * so they outlive the daemon process; their stdio and logs belong to the IO keeper, a separate process that the
 * daemon starts detached and never stops. The new daemon reconciles with HCS and the keeper on start
 * (test/e2e/recovery.test.ts proves this against the emulator). Nothing here touches vmcompute, hns, the keeper
 * or a container. The keeper keeps running from the release that started it, so that release is never pruned.
 */
import { VERSION } from '../../src/version.js';
import type { Action, Plan } from './actions.js';
import { readParams, service, type Facts } from './input.js';
import { NODE_DEFAULTS, checkVersion, layout, versionDir } from './layout.js';
import { currentVersion, isRunning, startAndWait, stageRelease, stopAndWait, versionOfCommandLine } from './steps.js';

export const UPGRADE_DEFAULTS = {
  source: '',
  ...NODE_DEFAULTS,
  timeoutSeconds: 60,
  /** Releases kept besides the new one, the previous one and the keeper's (older ones are removed). */
  keep: 1,
  force: false,
  version: '',
};

export function upgradePlan(raw: Record<string, unknown>, facts: Facts): Plan {
  const p = readParams(raw, UPGRADE_DEFAULTS, ['source']);
  const version = checkVersion(p.version || VERSION);
  const l = layout(p.installDir, p.dataDir);
  if (!service(facts, p.serviceName).exists) throw new Error(`service ${p.serviceName} is not installed: run install.ps1 first`);
  const previous = currentVersion(l, facts);
  if (!previous) throw new Error(`${l.current} is not a junction into ${l.versionsDir}: run install.ps1 to adopt the side-by-side layout`);
  if (!p.nodePath && !facts.sourceHasNode) throw new Error('the release has no node.exe at its root: pass -NodePath');

  const actions: Action[] = [{ kind: 'check.admin' }];
  if (previous.toLowerCase() === version.toLowerCase() && !p.force) {
    actions.push({ kind: 'note', message: `release ${version} is already current; nothing to do (-Force restarts the service on it)` });
    return { operation: 'upgrade', actions };
  }
  actions.push(...stageRelease(l, p.source, version, p.nodePath, facts));
  actions.push({ kind: 'note', message: 'containers keep running: only the daemon process restarts (HCS compute systems and the IO keeper are separate)' });
  const dependents = isRunning(facts, p.serviceName) ? service(facts, p.serviceName).dependents : [];
  const rollbackFrom = actions.length;
  actions.push(
    ...stopAndWait(p.serviceName, dependents, p.timeoutSeconds),
    { kind: 'link.set', path: l.current, target: versionDir(l, version) },
    ...startAndWait(p.serviceName, p.endpoint, p.timeoutSeconds, dependents),
  );
  const rollback: Action[] = [
    { kind: 'service.stop', name: p.serviceName },
    { kind: 'service.wait', name: p.serviceName, status: 'Stopped', timeoutSeconds: p.timeoutSeconds },
    { kind: 'link.set', path: l.current, target: versionDir(l, previous) },
    ...startAndWait(p.serviceName, p.endpoint, p.timeoutSeconds, dependents),
  ];

  const keeper = versionOfCommandLine(l, facts.keeperCommandLine);
  const protectedVersions = new Set([version, previous, keeper].filter((v): v is string => !!v).map((v) => v.toLowerCase()));
  const others = facts.versions.filter((v) => !protectedVersions.has(v.toLowerCase())).sort(compareVersions).reverse();
  for (const v of others.slice(p.keep)) actions.push({ kind: 'dir.remove', path: versionDir(l, v) });
  if (keeper && keeper.toLowerCase() !== version.toLowerCase()) {
    actions.push({ kind: 'note', message: `the IO keeper runs from release ${keeper}; that release stays until the keeper is restarted (node reboot)` });
  }
  return { operation: 'upgrade', actions, rollbackFrom, rollback };
}

/** Orders release names by their numeric parts (0.10.0 after 0.9.1), then as text. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+_-]/), pb = b.split(/[.+_-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '', y = pb[i] ?? '';
    const nx = /^\d+$/.test(x) ? Number(x) : NaN, ny = /^\d+$/.test(y) ? Number(y) : NaN;
    const c = !Number.isNaN(nx) && !Number.isNaN(ny) ? nx - ny : x.localeCompare(y);
    if (c !== 0) return c;
  }
  return 0;
}
