/**
 * Data flows one way: cri → runtime → (images, container-io) → platform. This test reads every import in src/
 * and checks it against the allowed table, and checks for import cycles between top-level modules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../src');

/** module → modules it may import. The domain error vocabulary (runtime/errors) is shared by the services. */
const ALLOWED: Record<string, string[]> = {
  util: [],
  config: ['util'],
  platform: ['util', 'platform'],
  'platform/emulator': ['util', 'platform'],
  'platform/windows': ['util', 'platform'],
  'container-io': ['util', 'platform', 'runtime/errors'],
  images: ['util', 'config', 'platform', 'runtime/errors'],
  network: ['util', 'config', 'platform', 'runtime/errors'],
  streaming: ['util', 'runtime/errors'],
  runtime: ['util', 'platform', 'runtime', 'network'],
  cri: ['util', 'config', 'runtime', 'images', 'platform', 'cri'],
  daemon: ['*'],
  cli: ['*'],
  version: [],
};

function moduleOf(file: string): string {
  const rel = relative(SRC, file).replace(/\\/g, '/');
  if (rel.startsWith('platform/emulator/')) return 'platform/emulator';
  if (rel.startsWith('platform/windows/')) return 'platform/windows';
  if (rel === 'runtime/errors.ts') return 'runtime/errors';
  const top = rel.split('/')[0]!;
  return top.replace(/\.ts$/, '');
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) { if (e !== 'generated') walk(p, out); } else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

function allowed(from: string, to: string): boolean {
  if (from === to) return true;
  const list = ALLOWED[from] ?? ALLOWED[from.split('/')[0]!] ?? [];
  if (list.includes('*')) return true;
  return list.some((m) => to === m || to.startsWith(m + '/') || (m === 'runtime' && to === 'runtime/errors') || (m === 'platform' && to.startsWith('platform')));
}

test('imports follow the one-way layering', () => {
  const bad: string[] = [];
  const edges = new Map<string, Set<string>>();
  for (const f of walk(SRC)) {
    const from = moduleOf(f);
    for (const m of readFileSync(f, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
      const target = resolve(dirname(f), m[1]!).replace(/\.js$/, '.ts');
      const to = moduleOf(target);
      if (!allowed(from, to)) bad.push(`${relative(SRC, f)} → ${relative(SRC, target)} (${from} may not import ${to})`);
      const key = from.startsWith('platform') ? 'platform' : from;
      const val = to.startsWith('platform') ? 'platform' : to;
      if (key !== val) (edges.get(key) ?? edges.set(key, new Set()).get(key)!).add(val);
    }
  }
  assert.deepEqual(bad, []);
  // no cycles between modules
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string, path: string[]): void => {
    if (state.get(n) === 'done') return;
    assert.notEqual(state.get(n), 'visiting', `import cycle: ${[...path, n].join(' → ')}`);
    state.set(n, 'visiting');
    for (const m of edges.get(n) ?? []) visit(m, [...path, n]);
    state.set(n, 'done');
  };
  for (const n of edges.keys()) visit(n, []);
  // koffi is imported only by the Windows backend
  for (const f of walk(SRC)) {
    if (/from 'koffi'|import\('koffi'\)/.test(readFileSync(f, 'utf8'))) assert.match(relative(SRC, f), /^platform\/windows\//);
  }
});
