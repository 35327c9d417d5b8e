/** Building blocks shared by the install, upgrade and EKS plans. */
import { win32 } from 'node:path';
import type { Action } from './actions.js';
import type { Facts } from './input.js';
import { service } from './input.js';
import {
  bundledNode, mainJs, versionDir, SERVICE_DEPENDENCIES, RECOVERY, EVENT_SOURCE, EVENT_LOG, serviceCommandLine, pipeName, type Layout,
} from './layout.js';

export const HCS_HINT = 'enable the Containers feature (Install-WindowsFeature Containers) and reboot';

export function preflight(extra: Action[] = []): Action[] {
  return [
    { kind: 'check.admin' },
    { kind: 'check.service', name: 'vmcompute', hint: HCS_HINT },
    { kind: 'check.service', name: 'hns', hint: HCS_HINT },
    ...extra,
  ];
}

/** Which node.exe the service runs: an explicit one, else the release's own through the junction. */
export function nodeFor(l: Layout, nodePath: string, facts: Facts): { node: string; check: Action[] } {
  if (nodePath) return { node: nodePath, check: [{ kind: 'check.path', path: nodePath, hint: 'pass -NodePath with the path of node.exe (Node.js >= 20)' }] };
  if (!facts.sourceHasNode) throw new Error('the release has no node.exe at its root: pass -NodePath with the path of node.exe (Node.js >= 20)');
  return { node: bundledNode(l.current), check: [] };
}

/** Unpacked release → <versions>\<version>, then a smoke run of that copy (its own node unless told otherwise). */
export function stageRelease(l: Layout, source: string, version: string, nodePath: string, facts: Facts): Action[] {
  const dest = versionDir(l, version);
  const out: Action[] = [{ kind: 'check.path', path: mainJs(source), hint: 'pass -Source with an unpacked wincri release (npm ci; npm run build)' }];
  if (win32.resolve(source).toLowerCase() !== dest.toLowerCase()) {
    out.push({ kind: 'dir.create', path: l.versionsDir, acl: 'inherit' });
    if (facts.versions.some((v) => v.toLowerCase() === version.toLowerCase())) {
      out.push({ kind: 'note', message: `${dest} exists: release ${version} is already staged, not copied again` });
    } else {
      out.push({ kind: 'dir.copy', from: source, to: dest });
    }
  }
  const node = nodePath || bundledNode(dest);
  out.push({ kind: 'exec', file: node, args: [mainJs(dest), 'version'], why: `smoke test of release ${version} before the service uses it` });
  return out;
}

export interface ServiceSettings { name: string; node: string; configFile: string; serviceHost: string; l: Layout }

/** Creates the service (or points an existing one at the current command line), dependencies and recovery. */
export function registerService(s: ServiceSettings, facts: Facts): Action[] {
  const binPath = serviceCommandLine({ node: s.node, releaseDir: s.l.current, configFile: s.configFile, serviceHost: s.serviceHost || undefined });
  const out: Action[] = service(facts, s.name).exists
    ? [{ kind: 'service.binpath', name: s.name, binPath }]
    : [{
        kind: 'service.create', name: s.name, binPath, start: 'auto', displayName: 'wincri CRI runtime',
        description: 'Kubernetes CRI runtime (HCS/HNS) serving kubelet on a named pipe. Stopping it never stops containers.',
      }];
  out.push(
    { kind: 'service.depend', name: s.name, depend: SERVICE_DEPENDENCIES },
    { kind: 'service.failure', name: s.name, resetSeconds: RECOVERY.resetSeconds, actions: RECOVERY.actions, nonCrashFailures: true },
    { kind: 'eventlog.source', source: EVENT_SOURCE, log: EVENT_LOG },
  );
  return out;
}

/** Start the daemon, wait until it serves, then start again what depended on it (kubelet). */
export function startAndWait(name: string, endpoint: string, timeoutSeconds: number, dependents: string[] = []): Action[] {
  return [
    { kind: 'service.start', name },
    { kind: 'service.wait', name, status: 'Running', timeoutSeconds },
    { kind: 'pipe.wait', pipe: pipeName(endpoint), timeoutSeconds },
    ...dependents.map((d): Action => ({ kind: 'service.start', name: d })),
  ];
}

/**
 * Stop the daemon. SCM refuses to stop a service whose dependents run, so running dependents (kubelet, which
 * install makes depend on wincri) stop first; pods keep running while kubelet is down.
 */
export function stopAndWait(name: string, dependents: string[], timeoutSeconds: number): Action[] {
  return [
    ...dependents.flatMap((d): Action[] => [{ kind: 'service.stop', name: d }, { kind: 'service.wait', name: d, status: 'Stopped', timeoutSeconds }]),
    { kind: 'service.stop', name },
    { kind: 'service.wait', name, status: 'Stopped', timeoutSeconds },
  ];
}

export function isRunning(facts: Facts, name: string): boolean {
  const s = service(facts, name);
  return s.exists && s.status !== undefined && s.status !== 'Stopped';
}

/** Version directory a command line runs from (…\versions\<v>\…), if any. */
export function versionOfCommandLine(l: Layout, commandLine: string | undefined): string | undefined {
  if (!commandLine) return undefined;
  const prefix = (l.versionsDir + '\\').toLowerCase();
  const at = commandLine.toLowerCase().indexOf(prefix);
  if (at < 0) return undefined;
  return commandLine.slice(at + prefix.length).split(/[\\"\s]/)[0] || undefined;
}

/** Version the junction points at, if it points into <versions>. */
export function currentVersion(l: Layout, facts: Facts): string | undefined {
  return facts.currentTarget ? versionOfCommandLine(l, facts.currentTarget + '\\') : undefined;
}
