/**
 * README sections generated from the code: the configuration reference (src/config/schema.ts + defaults()) and
 * the troubleshooting table (src/platform/hresult.ts names and codes, src/cri/errors.ts status mapping, plus
 * what to do). `npm run docs` rewrites them between their markers; test/unit/cli/docs.test.ts fails on drift.
 */
import { CONFIG_SCHEMA } from '../../config/schema.js';
import { defaults } from '../../config/config.js';
import { HRESULT, hex, type HResultName } from '../../platform/hresult.js';
import { HRESULT_STATUS } from '../../cri/errors.js';
import { HRESULT_ADVICE } from '../../platform/hresult-advice.js';
import { status as Status } from '@grpc/grpc-js';
import { Counter, Gauge, Histogram, Summary } from 'prom-client';
import { createDaemonMetrics } from '../../daemon/metrics/index.js';

function valueAt(obj: unknown, path: string): unknown {
  if (path.includes('<')) return undefined;
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

const show = (v: unknown): string => (v === undefined ? '—' : v === '' ? '`""`' : `\`${JSON.stringify(v)}\``);

export function configReference(): string {
  const lin = defaults('linux'), win = defaults('win32');
  const rows = CONFIG_SCHEMA.map((k) => {
    const l = valueAt(lin, k.path), w = valueAt(win, k.path);
    const def = k.defaultText ?? (k.type === 'map' && JSON.stringify(l) === '{}' ? '`{}`' : JSON.stringify(l) === JSON.stringify(w) ? show(l) : `${show(l)} (Windows: ${show(w)})`);
    const type = k.values ? k.values.join(' \\| ') : k.type;
    return `| \`${k.path}\` | ${type} | ${def.replace(/\|/g, '\\|')} | ${k.doc}${k.secret ? ' (masked by `wincri info`)' : ''} |`;
  });
  return ['| key | type | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

export { HRESULT_ADVICE } from '../../platform/hresult-advice.js';

const grpcName = (s: Status | undefined) => (s === undefined ? 'INTERNAL' : Status[s]);

export function troubleshootingTable(): string {
  const rows = (Object.keys(HRESULT_ADVICE) as HResultName[]).map((n) =>
    `| \`${n}\` | \`${hex(HRESULT[n])}\` | ${grpcName(HRESULT_STATUS[n])} | ${HRESULT_ADVICE[n]} |`);
  return ['| HRESULT | code | gRPC status | what to do |', '|---|---|---|---|', ...rows].join('\n');
}

/** Every metric family the daemon exports, from the registry the daemon builds (src/daemon/metrics). */
export function metricsReference(): string {
  const typeOf = (m: unknown) => (m instanceof Counter ? 'counter' : m instanceof Gauge ? 'gauge' : m instanceof Histogram ? 'histogram' : m instanceof Summary ? 'summary' : 'untyped');
  const rows = createDaemonMetrics().registry.getMetricsAsArray().map((m) => {
    const { name, help, labelNames } = m as unknown as { name: string; help: string; labelNames: string[] };
    return { name, line: `| \`${name}\` | ${typeOf(m)} | ${labelNames.length ? labelNames.map((l) => `\`${l}\``).join(', ') : '—'} | ${help.replace(/\|/g, '\\|')} |` };
  }).sort((a, b) => a.name.localeCompare(b.name));
  return ['| name | type | labels | meaning |', '|---|---|---|---|', ...rows.map((r) => r.line)].join('\n');
}

export const SECTIONS = { config: configReference, troubleshooting: troubleshootingTable, metrics: metricsReference } as const;

/** Replaces every `<!-- generated:NAME -->…<!-- end generated:NAME -->` block with the generated text. */
export function renderReadme(readme: string): string {
  let out = readme;
  for (const [name, gen] of Object.entries(SECTIONS)) {
    const re = new RegExp(`(<!-- generated:${name} [^>]*-->\\n)[\\s\\S]*?(<!-- end generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`README has no generated:${name} block`);
    out = out.replace(re, (_, a: string, b: string) => `${a}${gen()}\n${b}`);
  }
  return out;
}
