/**
 * The planner the deploy scripts run with the release's own node.exe:
 *
 *   node dist/deploy/plan/main.js <install|upgrade|uninstall|eks> --input FILE [--out FILE] [--format json|text]
 *
 * Reads {params, facts} (JSON, BOM tolerated) and writes the plan: JSON for the executor, or the ACTION lines
 * that every script prints in dry-run mode. Exit code 2 with a one-line message on a bad input or a refused plan.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Plan } from './actions.js';
import type { Facts } from './input.js';
import { parseInput } from './input.js';
import { formatAction, formatPlan } from './format.js';
import { installPlan } from './install.js';
import { upgradePlan } from './upgrade.js';
import { uninstallPlan } from './uninstall.js';
import { eksPlan } from './eks.js';

export const PLANNERS: Record<string, (params: Record<string, unknown>, facts: Facts) => Plan> = {
  install: installPlan, upgrade: upgradePlan, uninstall: uninstallPlan, eks: eksPlan,
};

export function runPlanner(argv: string[]): { code: number; output: string } {
  const [operation, ...rest] = argv;
  const flags: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const k = rest[i]!, v = rest[i + 1];
    if (!/^--(input|out|format)$/.test(k) || v === undefined) return { code: 2, output: `usage: main.js <${Object.keys(PLANNERS).join('|')}> --input FILE [--out FILE] [--format json|text]\n` };
    flags[k.slice(2)] = v;
  }
  const planner = operation ? PLANNERS[operation] : undefined;
  if (!planner || !flags.input) return { code: 2, output: `usage: main.js <${Object.keys(PLANNERS).join('|')}> --input FILE [--out FILE] [--format json|text]\n` };
  try {
    const { params, facts } = parseInput(readFileSync(flags.input, 'utf8'));
    const plan = planner(params, facts);
    // JSON carries each action's ACTION line too: the executor prints exactly what the text format shows.
    const text = flags.format === 'text' ? formatPlan(plan)
      : JSON.stringify({ ...plan, display: plan.actions.map(formatAction), rollbackDisplay: (plan.rollback ?? []).map(formatAction) }, null, 1) + '\n';
    if (flags.out) { writeFileSync(flags.out, text); return { code: 0, output: '' }; }
    return { code: 0, output: text };
  } catch (e) {
    return { code: 2, output: `wincri deploy ${operation}: ${(e as Error).message}\n` };
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = runPlanner(process.argv.slice(2));
  (r.code === 0 ? process.stdout : process.stderr).write(r.output);
  process.exitCode = r.code;
}
