/**
 * The vocabulary of node-setup actions. A plan is data: the TypeScript planners decide WHAT happens (paths,
 * service settings, recovery actions, dependencies, kubelet flags, order, rollback); the PowerShell executor
 * (deploy/windows/WincriDeploy.psm1, Invoke-WincriAction) only knows HOW to perform one action of each kind.
 * Every kind here has exactly one handler there (test/unit/deploy/powershell.test.ts checks both directions).
 */
export type Action =
  | { kind: 'note'; message: string }
  | { kind: 'check.admin' }
  | { kind: 'check.service'; name: string; hint: string }
  | { kind: 'check.path'; path: string; hint: string }
  | { kind: 'dir.create'; path: string; acl: 'inherit' | 'system-admins' }
  | { kind: 'dir.copy'; from: string; to: string }
  | { kind: 'dir.remove'; path: string }
  /** UTF-8 without BOM, written to a temp file and renamed over the target. */
  | { kind: 'file.write'; path: string; content: string }
  /** An NTFS junction `path` → `target`, replacing an existing junction (never the directory it points at). */
  | { kind: 'link.set'; path: string; target: string }
  /** Runs a program; a non-zero exit code fails the plan. */
  | { kind: 'exec'; file: string; args: string[]; why: string }
  | { kind: 'service.create'; name: string; binPath: string; displayName: string; description: string; start: 'auto' | 'demand' }
  /** Replaces the command line of an existing service (registry ImagePath; read by SCM at the next start). */
  | { kind: 'service.binpath'; name: string; binPath: string }
  /** Sets the service's dependencies to exactly `depend` (sc.exe config depend=). */
  | { kind: 'service.depend'; name: string; depend: string[] }
  /** Edits dependencies relative to what the service has when the action runs (kubelet's are not ours). */
  | { kind: 'service.depend.edit'; name: string; add: string[]; remove: string[] }
  /** sc.exe failure: reset period and actions ("restart/5000/..."); failureflag 1 also covers non-crash exits. */
  | { kind: 'service.failure'; name: string; resetSeconds: number; actions: string; nonCrashFailures: boolean }
  | { kind: 'service.startup'; name: string; start: 'auto' | 'demand' | 'disabled' }
  | { kind: 'service.start'; name: string }
  | { kind: 'service.stop'; name: string }
  | { kind: 'service.restart'; name: string }
  | { kind: 'service.delete'; name: string }
  | { kind: 'service.wait'; name: string; status: 'Running' | 'Stopped'; timeoutSeconds: number }
  /** Waits until \\.\pipe\<pipe> exists (the daemon is serving). */
  | { kind: 'pipe.wait'; pipe: string; timeoutSeconds: number }
  | { kind: 'registry.set'; key: string; name: string; value: string }
  /** Registers Windows Event Log source `source` in `log` unless it exists (New-EventLog; the daemon reports errors there). */
  | { kind: 'eventlog.source'; source: string; log: string }
  /** Removes the Event Log source if it exists (Remove-EventLog). */
  | { kind: 'eventlog.source.remove'; source: string }
  /** Runs a PowerShell script in-process with named parameters (splatted), e.g. Start-EKSBootstrap.ps1. */
  | { kind: 'script.run'; path: string; params: Record<string, string> };

export type ActionKind = Action['kind'];

export const ACTION_KINDS: readonly ActionKind[] = [
  'note', 'check.admin', 'check.service', 'check.path', 'dir.create', 'dir.copy', 'dir.remove', 'file.write',
  'link.set', 'exec', 'service.create', 'service.binpath', 'service.depend', 'service.depend.edit',
  'service.failure', 'service.startup', 'service.start', 'service.stop', 'service.restart', 'service.delete',
  'service.wait', 'pipe.wait', 'registry.set', 'eventlog.source', 'eventlog.source.remove', 'script.run',
];

/** A plan: actions in order; if one of them fails at or after `rollbackFrom`, `rollback` runs (best effort). */
export interface Plan {
  operation: 'install' | 'upgrade' | 'uninstall' | 'eks';
  actions: Action[];
  rollbackFrom?: number;
  rollback?: Action[];
}
