/**
 * A strict parser for the Prometheus text exposition format (0.0.4): HELP/TYPE lines, metric and label name
 * syntax, escaped label values, sample values. Throws on anything malformed, naming the line.
 */
export interface Sample { name: string; labels: Record<string, string>; value: number }
export interface Family { name: string; type: string; help: string; samples: Sample[] }

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

function parseValue(s: string, where: string): number {
  // Values are read like Go's strconv.ParseFloat, as Prometheus does: Inf and NaN in any letter case (prom-client
  // writes "Nan", e.g. an event-loop lag gauge before its first sample).
  if (/^\+?inf$/i.test(s)) return Infinity;
  if (/^-inf$/i.test(s)) return -Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new Error(`${where}: bad sample value ${JSON.stringify(s)}`);
  return Number(s);
}

function parseLabels(body: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < body.length) {
    const eq = body.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: label without '='`);
    const name = body.slice(i, eq).trim();
    if (!LABEL.test(name)) throw new Error(`${where}: bad label name ${JSON.stringify(name)}`);
    if (name in labels) throw new Error(`${where}: duplicate label ${name}`);
    if (body[eq + 1] !== '"') throw new Error(`${where}: label value of ${name} is not quoted`);
    let v = '';
    let j = eq + 2;
    for (; j < body.length && body[j] !== '"'; j++) {
      if (body[j] === '\\') {
        const e = body[++j];
        if (e === 'n') v += '\n'; else if (e === '\\' || e === '"') v += e; else throw new Error(`${where}: bad escape \\${e}`);
      } else v += body[j];
    }
    if (j >= body.length) throw new Error(`${where}: unterminated label value`);
    labels[name] = v;
    i = j + 1;
    if (body[i] === ',') i++;
    else if (i < body.length) throw new Error(`${where}: expected ',' after label ${name}`);
  }
  return labels;
}

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, f = { name, type: 'untyped', help: '', samples: [] });
    return f;
  };
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new Error('exposition does not end with a newline');
  lines.forEach((line, n) => {
    const where = `line ${n + 1}`;
    if (line === '') return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
      const f = family(name);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type ${rest}`);
        if (f.samples.length) throw new Error(`${where}: TYPE after samples of ${name}`);
        f.type = rest;
      } else f.help = rest;
      return;
    }
    if (line.startsWith('#')) return;
    const m = /^([^{\s]+)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?$/.exec(line);
    if (!m) throw new Error(`${where}: not a sample: ${line}`);
    const [, name, body, value] = m as unknown as [string, string, string | undefined, string];
    if (!NAME.test(name)) throw new Error(`${where}: bad metric name ${name}`);
    const base = families.has(name) ? name : (SUFFIXES.map((s) => (name.endsWith(s) ? name.slice(0, -s.length) : '')).find((b) => b && families.has(b)) ?? name);
    const f = family(base);
    if (f.type === 'histogram' && name === `${base}_bucket` && !body?.includes('le=')) throw new Error(`${where}: histogram bucket without le`);
    f.samples.push({ name, labels: body ? parseLabels(body, where) : {}, value: parseValue(value, where) });
  });
  for (const f of families.values()) if (!f.help) throw new Error(`family ${f.name} has no HELP line`);
  return families;
}

/** The value of the one sample of `family` (sample `name`, default the family name) whose labels include `labels`. */
export function sampleValue(families: Map<string, Family>, family: string, labels: Record<string, string> = {}, name = family): number | undefined {
  const f = families.get(family);
  const s = f?.samples.find((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s?.value;
}
