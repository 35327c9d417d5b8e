/**
 * The PowerShell side of the deploy scripts, checked without PowerShell (see powershell.ts for the parser):
 * every script and module parses; every command it calls is one of its functions, a cmdlet of Windows
 * PowerShell 5.1 it is known to use, or a Windows program; the executor has one handler per planner action kind
 * and no other; each script's planner parameters are exactly the planner's; every script has a dry-run mode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { parsePs, switchLabels, hashKeys, scriptParams, find } from './powershell.js';
import { ACTION_KINDS, type ActionKind } from '../../../deploy/plan/actions.js';
import { INSTALL_DEFAULTS } from '../../../deploy/plan/install.js';
import { UPGRADE_DEFAULTS } from '../../../deploy/plan/upgrade.js';
import { UNINSTALL_DEFAULTS } from '../../../deploy/plan/uninstall.js';
import { EKS_DEFAULTS } from '../../../deploy/plan/eks.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
/** EC2 user data wraps the script in <powershell> tags, which are not PowerShell. */
const unwrapUserData = (t: string) => t.replace(/^<\/?powershell>\s*$/gm, '');

const SCRIPTS = [
  ...readdirSync(join(ROOT, 'deploy/windows')).filter((f) => /\.ps[m]?1$/.test(f)).map((f) => `deploy/windows/${f}`),
  ...readdirSync(join(ROOT, 'deploy/eks')).filter((f) => f.endsWith('.ps1')).map((f) => `deploy/eks/${f}`),
];

/** Cmdlets of Windows PowerShell 5.1 (and the AWS Tools' Read-S3Object on AWS AMIs) that the scripts use. */
const CMDLETS = new Set([
  'ConvertFrom-Json', 'ConvertTo-Json', 'Expand-Archive', 'Export-ModuleMember', 'ForEach-Object', 'Get-ChildItem',
  'Get-CimInstance', 'Get-Command', 'Get-Content', 'Get-Date', 'Get-Item', 'Get-ItemProperty', 'Get-Service',
  'Import-Module', 'Join-Path', 'New-EventLog', 'New-Item', 'New-Object', 'New-Service', 'Out-Null', 'Out-String', 'Read-S3Object',
  'Remove-EventLog', 'Remove-Item', 'Rename-Item', 'Resolve-Path', 'Restart-Service', 'Select-Object', 'Set-ItemProperty', 'Set-Service',
  'Set-StrictMode', 'Sort-Object', 'Split-Path', 'Start-Service', 'Start-Sleep', 'Stop-Service', 'Test-Path', 'Where-Object',
  'Write-Host', 'Write-Warning',
].map((c) => c.toLowerCase()));
const PROGRAMS = new Set(['icacls.exe', 'robocopy.exe', 'sc.exe']);

async function checkCommands(text: string, defined: Set<string>): Promise<string[]> {
  const f = await parsePs(text);
  const bad = [...f.errors];
  for (const c of f.commands) {
    const n = c.name.toLowerCase();
    if (!f.functions.has(n) && !defined.has(n) && !CMDLETS.has(n) && !PROGRAMS.has(n)) bad.push(`line ${c.line}: unknown command ${c.name}`);
  }
  return bad;
}

test('the checker itself finds broken syntax and unknown commands (it is not vacuous)', async () => {
  assert.notDeepEqual((await parsePs('function f {\n  if ($x) { "a"\n}\n')).errors, [], 'unbalanced brace');
  assert.notDeepEqual((await parsePs('$a = @(1, 2\n')).errors, [], 'unbalanced paren');
  assert.notDeepEqual((await parsePs('$s = @"\ntext\n')).errors, [], 'unterminated here-string');
  assert.deepEqual((await parsePs('$s = @"\ntext\n"@\nparam([string]$A)\n')).errors, []);
  assert.deepEqual(await checkCommands('Get-Service -Name x\nInvoke-Nothing -Now\n', new Set()), ['line 2: unknown command Invoke-Nothing']);
});

test('every deploy script and module parses and calls only known commands', async () => {
  const module = await parsePs(read('deploy/windows/WincriDeploy.psm1'));
  assert.ok(SCRIPTS.length >= 6, `scripts found: ${SCRIPTS.join(', ')}`);
  for (const s of SCRIPTS) {
    const text = s.endsWith('user-data.ps1') ? unwrapUserData(read(s)) : read(s);
    assert.deepEqual(await checkCommands(text, module.functions), [], s);
  }
});

test('the executor has exactly one handler per action kind the planners can emit', async () => {
  const all: Record<ActionKind, true> = {
    note: true, 'check.admin': true, 'check.service': true, 'check.path': true, 'dir.create': true, 'dir.copy': true,
    'dir.remove': true, 'file.write': true, 'link.set': true, exec: true, 'service.create': true, 'service.binpath': true,
    'service.depend': true, 'service.depend.edit': true, 'service.failure': true, 'service.startup': true,
    'service.start': true, 'service.stop': true, 'service.restart': true, 'service.delete': true, 'service.wait': true,
    'pipe.wait': true, 'registry.set': true, 'eventlog.source': true, 'eventlog.source.remove': true, 'script.run': true,
  };
  assert.deepEqual([...ACTION_KINDS].sort(), Object.keys(all).sort(), 'ACTION_KINDS lists every kind of the Action type');
  const labels = switchLabels(await parsePs(read('deploy/windows/WincriDeploy.psm1')), 'Invoke-WincriAction');
  assert.deepEqual([...labels].sort(), [...ACTION_KINDS].sort());
  assert.equal(new Set(labels).size, labels.length, 'no kind handled twice');
});

test('each script passes the planner exactly the parameters it knows, and has a dry-run mode', async () => {
  const cases: [string, Record<string, unknown>][] = [
    ['deploy/windows/install.ps1', INSTALL_DEFAULTS], ['deploy/windows/upgrade.ps1', UPGRADE_DEFAULTS],
    ['deploy/windows/uninstall.ps1', UNINSTALL_DEFAULTS], ['deploy/eks/Start-WincriEKSBootstrap.ps1', EKS_DEFAULTS],
  ];
  for (const [script, defaults] of cases) {
    const f = await parsePs(read(script));
    const keys = hashKeys(f, '$params');
    assert.ok(keys.length > 0, `${script}: $params hashtable found`);
    // `version` is the release's own (package.json); a script never overrides it.
    assert.deepEqual([...keys].sort(), Object.keys(defaults).filter((k) => k !== 'version').sort(), script);
    const params = scriptParams(f);
    assert.ok(params.includes('DryRun'), `${script}: -DryRun (params: ${params.join(', ')})`);
    assert.match(read(script), /\[CmdletBinding\(SupportsShouldProcess = \$true\)\]/, `${script}: -WhatIf`);
    assert.ok(find(f.root, 'command').some((c) => c.text.startsWith('Invoke-WincriPlan ') && /-DryRun:\(\$DryRun -or \$WhatIfPreference\)/.test(c.text)), `${script}: dry run reaches the executor`);
  }
});

test('the EC2 Image Builder component is a valid component document whose PowerShell parses', async () => {
  const doc = YAML.parse(read('deploy/eks/imagebuilder-component.yaml')) as {
    name: string; schemaVersion: unknown; parameters: Record<string, { type: string }>[];
    phases: { name: string; steps: { name: string; action: string; inputs: unknown }[] }[];
  };
  assert.equal(String(doc.schemaVersion), '1');
  assert.match(doc.name, /^[a-zA-Z0-9-]+$/);
  assert.deepEqual(doc.phases.map((p) => p.name), ['build', 'validate']);
  const paramNames = doc.parameters.flatMap((p) => Object.keys(p));
  for (const p of doc.parameters) for (const v of Object.values(p)) assert.equal(v.type, 'string');
  const steps = doc.phases.flatMap((p) => p.steps);
  assert.equal(new Set(steps.map((s) => s.name)).size, steps.length, 'step names are unique');
  for (const s of steps) {
    assert.ok(['ExecutePowerShell', 'S3Download'].includes(s.action), `${s.name}: ${s.action}`);
    if (s.action === 'S3Download') {
      assert.ok(Array.isArray(s.inputs) && s.inputs.every((i: { source?: string; destination?: string }) => i.source && i.destination), s.name);
      continue;
    }
    const commands = (s.inputs as { commands: string[] }).commands;
    assert.ok(Array.isArray(commands) && commands.length > 0, s.name);
    for (const c of commands) {
      for (const m of c.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) assert.ok(paramNames.includes(m[1]!), `${s.name}: parameter ${m[1]} is declared`);
      const ps = c.replace(/\{\{\s*\w+\s*\}\}/g, 'value');
      assert.deepEqual(await checkCommands(ps, new Set()), [], s.name);
    }
  }
  const install = steps.find((s) => s.name === 'InstallService')!;
  assert.match((install.inputs as { commands: string[] }).commands.join('\n'), /deploy\\windows\\install\.ps1/);
});
