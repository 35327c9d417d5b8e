/**
 * `wincri service install|uninstall|start|stop` (Windows). The settings are the deploy planner's
 * (deploy/plan/*.ts: paths, service command line, dependencies, recovery, kubelet flags), defined once: the
 * flags here are the planner's parameters in kebab case, `--dry-run` prints the planned ACTION lines on any OS,
 * and on Windows install/uninstall run deploy/windows/*.ps1 (which observe the node and execute the plan) while
 * start/stop run the planner's start/stop steps through PowerShell.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INSTALL_DEFAULTS, installPlan } from '../../../deploy/plan/install.js';
import { UNINSTALL_DEFAULTS, uninstallPlan } from '../../../deploy/plan/uninstall.js';
import { readFacts, readParams, service as serviceFacts, type Facts } from '../../../deploy/plan/input.js';
import { DEFAULT_ENDPOINT, DEFAULT_SERVICE } from '../../../deploy/plan/layout.js';
import { startAndWait, stopAndWait } from '../../../deploy/plan/steps.js';
import { formatPlan } from '../../../deploy/plan/format.js';
import type { Action, Plan } from '../../../deploy/plan/actions.js';
import { EXIT, UsageError, bool, parseArgs, str, type FlagKind, type Flags } from '../args.js';
import type { Command } from '../command.js';

const RUN_DEFAULTS = { serviceName: DEFAULT_SERVICE, endpoint: DEFAULT_ENDPOINT, timeoutSeconds: 60 };
const DEFAULTS: Record<string, Record<string, unknown>> = { install: INSTALL_DEFAULTS, uninstall: UNINSTALL_DEFAULTS, start: RUN_DEFAULTS, stop: RUN_DEFAULTS };

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const camel = (k: string) => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The planner's parameters of `op` as command-line flags (booleans are switches, lists repeat). */
export function paramFlags(op: string): Record<string, FlagKind> {
  const out: Record<string, FlagKind> = {};
  for (const [k, v] of Object.entries(DEFAULTS[op] ?? {})) out[kebab(k)] = typeof v === 'boolean' ? 'boolean' : Array.isArray(v) ? 'list' : 'string';
  return out;
}

/** Flags → planner params (numbers parsed; the planner's readParams rejects wrong values). */
export function paramsFrom(op: string, flags: Flags): Record<string, unknown> {
  const defaults = DEFAULTS[op]!;
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(flags)) {
    const key = camel(k);
    if (!(key in defaults) || v === undefined) continue;
    params[key] = typeof defaults[key] === 'number' ? Number(v) : v;
  }
  return params;
}

/** The release this CLI runs from (its package root: dist/src/cli/commands → four levels up). */
export const releaseDir = (): string => fileURLToPath(new URL('../../../../', import.meta.url)).replace(/[\\/]$/, '');

export function servicePlan(op: string, params: Record<string, unknown>, facts: Facts): Plan {
  try {
    if (op === 'install') return installPlan({ source: releaseDir(), ...params }, facts);
    if (op === 'uninstall') return uninstallPlan(params, facts);
    const p = readParams(params, RUN_DEFAULTS);
    const dependents = serviceFacts(facts, p.serviceName).dependents;
    const actions: Action[] = op === 'start'
      ? startAndWait(p.serviceName, p.endpoint, p.timeoutSeconds, dependents)
      : stopAndWait(p.serviceName, dependents, p.timeoutSeconds);
    return { operation: op === 'start' ? 'install' : 'uninstall', actions };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

const psQuote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** PowerShell for the start/stop steps (the only kinds those plans contain). */
export function powershellOf(a: Action): string {
  switch (a.kind) {
    case 'service.start': return `Start-Service -Name ${psQuote(a.name)}`;
    case 'service.stop': return `Stop-Service -Name ${psQuote(a.name)}`;
    case 'service.wait': return `(Get-Service -Name ${psQuote(a.name)}).WaitForStatus(${psQuote(a.status)}, [TimeSpan]::FromSeconds(${a.timeoutSeconds}))`;
    case 'pipe.wait': return `$d=(Get-Date).AddSeconds(${a.timeoutSeconds}); while (-not (Test-Path ${psQuote(`\\\\.\\pipe\\${a.pipe}`)})) { if ((Get-Date) -gt $d) { throw 'pipe ${a.pipe} did not appear' }; Start-Sleep -Milliseconds 200 }`;
    default: throw new Error(`no PowerShell for action ${a.kind}`);
  }
}

function runPowerShell(args: string[]): number {
  const r = spawnSync('powershell.exe', ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', ...args], { stdio: 'inherit' });
  return r.status === 0 ? EXIT.OK : EXIT.FAIL;
}

/** install/uninstall on Windows: the deploy script observes the node and executes the same plan. */
function scriptArgs(op: string, params: Record<string, unknown>): string[] {
  const out = ['-File', join(releaseDir(), 'deploy', 'windows', `${op}.ps1`)];
  for (const [k, v] of Object.entries(params)) {
    if (k === 'start' && v === false) { out.push('-NoStart'); continue; }
    const name = `-${k.charAt(0).toUpperCase()}${k.slice(1)}`;
    if (v === true) out.push(name);
    else if (Array.isArray(v)) out.push(name, v.join(','));
    else if (v !== false) out.push(name, String(v));
  }
  return out;
}

const HELP = `Usage: wincri service install   [--dry-run] [--facts FILE] [--install-dir DIR] [--data-dir DIR] [--node-path EXE]
                                 [--endpoint URL] [--service-name NAME] [--configure-kubelet] [--overwrite-config] …
       wincri service uninstall [--dry-run] [--restore-kubelet] [--remove-data] [--remove-binaries] …
       wincri service start|stop [--dry-run] [--service-name NAME] [--endpoint URL] [--timeout-seconds N]

Windows only: registers the wincri service (this release side by side under <install-dir>\\versions, junction
"current", config <data-dir>\\config.yaml, automatic start, depends on hns and vmcompute, restarts on failure,
command line "… serve --config … --windows-service"), removes it, starts it (and waits for the pipe) or stops it
(running dependents such as kubelet first; containers keep running). Every flag is a parameter of the deploy
planner (deploy/plan), the same ones deploy/windows/*.ps1 take; "--<op> --help" lists them.
  --dry-run      print the planned actions (one ACTION line each) and change nothing; works on any OS
  --facts FILE   what the node looks like for --dry-run (the planner's facts JSON: services, junction, …);
                 default: a node with nothing installed
Exit codes: 0 ok (or planned), 1 an action failed, 2 usage error (also: not on Windows without --dry-run).`;

export const serviceCommand: Command = {
  name: 'service',
  help: HELP,
  async run(argv) {
    const [op, ...rest] = argv;
    if (op === undefined || op === '--help' || op === '-h') { console.log(HELP); return op === undefined ? EXIT.USAGE : EXIT.OK; }
    if (!DEFAULTS[op]) throw new UsageError(`unknown service command "${op}" (install, uninstall, start, stop)`);
    const spec = { ...paramFlags(op), 'dry-run': 'boolean' as const, facts: 'string' as const };
    const { flags, args, help } = parseArgs(rest, spec);
    if (help) { console.log(`${HELP}\n\nFlags of "service ${op}": ${Object.keys(spec).map((f) => `--${f}`).join(' ')}`); return EXIT.OK; }
    if (args.length) throw new UsageError(`service ${op} takes no arguments (got "${args[0]}")`);
    const params = paramsFrom(op, flags);
    const factsFile = str(flags, 'facts');
    if (bool(flags, 'dry-run')) {
      const facts = readFacts(factsFile ? JSON.parse(readFileSync(factsFile, 'utf8')) as Record<string, unknown> : {});
      process.stdout.write(formatPlan(servicePlan(op, params, facts)));
      return EXIT.OK;
    }
    if (process.platform !== 'win32') throw new UsageError(`service ${op} is Windows-only (the Service Control Manager); on Linux use deploy/linux/wincri.service. --dry-run prints the plan anywhere`);
    if (op === 'install' || op === 'uninstall') return runPowerShell(scriptArgs(op, params));
    const plan = servicePlan(op, params, readFacts({}));
    return runPowerShell(['-Command', `$ErrorActionPreference='Stop'; ${plan.actions.map(powershellOf).join('; ')}`]);
  },
};
