/**
 * `node dist/bench/soak/heap-diff.js A.heapsnapshot B.heapsnapshot [--top N]` — what grew between two V8 heap
 * snapshots of one process: live objects grouped by type and constructor (or string / code / array kind), with
 * count and self size in each and the difference, largest growth first.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { numFlag } from '../lib/flags.js';

interface Snapshot { snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } }; nodes: number[]; strings: string[] }
export interface Group { count: number; bytes: number }

/** Live objects of a snapshot grouped by "type:name" (names of strings and code are cut: their text varies). */
export function groups(path: string): Map<string, Group> {
  const s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const f = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const [ti, ni, si, step] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size'), f.length];
  const out = new Map<string, Group>();
  for (let i = 0; i < s.nodes.length; i += step) {
    const type = types[s.nodes[i + ti]!]!;
    const named = type === 'object' || type === 'closure' || type === 'native' || type === 'hidden' || type === 'synthetic';
    const key = named ? `${type}:${s.strings[s.nodes[i + ni]!]!.slice(0, 60)}` : type;
    const g = out.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += s.nodes[i + si]!;
    out.set(key, g);
  }
  return out;
}

export function diff(a: Map<string, Group>, b: Map<string, Group>): { key: string; a: Group; b: Group }[] {
  const keys = new Set([...a.keys(), ...b.keys()]);
  const zero = { count: 0, bytes: 0 };
  return [...keys].map((key) => ({ key, a: a.get(key) ?? zero, b: b.get(key) ?? zero }))
    .sort((x, y) => (y.b.bytes - y.a.bytes) - (x.b.bytes - x.a.bytes));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [pa, pb] = process.argv.slice(2).filter((x) => x.endsWith('.heapsnapshot'));
  if (!pa || !pb) { console.error('usage: heap-diff.js A.heapsnapshot B.heapsnapshot [--top N]'); process.exit(2); }
  const a = groups(pa), b = groups(pb);
  const total = (m: Map<string, Group>) => [...m.values()].reduce((t, g) => ({ count: t.count + g.count, bytes: t.bytes + g.bytes }), { count: 0, bytes: 0 });
  const [ta, tb] = [total(a), total(b)];
  console.log(`total: ${ta.count} → ${tb.count} objects, ${(ta.bytes / 1048576).toFixed(2)} → ${(tb.bytes / 1048576).toFixed(2)} MiB`);
  console.log('Δ KiB      Δ count   count A → B        group');
  for (const d of diff(a, b).slice(0, numFlag('top', 30))) {
    console.log(`${((d.b.bytes - d.a.bytes) / 1024).toFixed(1).padStart(8)}  ${String(d.b.count - d.a.count).padStart(8)}   ${`${d.a.count} → ${d.b.count}`.padEnd(18)} ${d.key}`);
  }
}
