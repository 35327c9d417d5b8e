/** The configuration as shown to people (`wincri info`): every key the schema marks secret is masked. */
import type { Config } from './config.js';
import { CONFIG_SCHEMA } from './schema.js';

export const MASK = '********';

const SECRET_PATHS = CONFIG_SCHEMA.filter((k) => k.secret).map((k) => k.path.split('.'));

function maskAt(node: unknown, segs: string[]): void {
  if (typeof node !== 'object' || node === null) return;
  const [head, ...rest] = segs;
  const o = node as Record<string, unknown>;
  const keys = head === '<host>' ? Object.keys(o) : head !== undefined && head in o ? [head] : [];
  for (const k of keys) {
    if (rest.length === 0) { if (o[k] !== undefined && o[k] !== '') o[k] = MASK; } else maskAt(o[k], rest);
  }
}

export function maskConfig(cfg: Config): Config {
  const copy = structuredClone(cfg);
  for (const segs of SECRET_PATHS) maskAt(copy, segs);
  return copy;
}
