/**
 * Process footprints: the IO keeper and the emulator service are long-lived processes of their own that must stay
 * small (memory, start time, attack surface), so they must not load the daemon's gRPC server, Kubernetes client,
 * metrics, WebSocket streaming, image store or YAML config. This test walks the static import graph of the
 * compiled JavaScript (what Node really loads: type-only imports are gone) from each process's entry modules and
 * fails with the chain of imports that pulls a daemon-only module in. Dynamic `import()` is a lazy load and is not
 * followed, except the lazy loads the io-keeper command itself performs (they run in that process).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join, relative, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/src: this test runs compiled, next to the compiled sources. */
const DIST_SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../../src');

const FORBIDDEN_PACKAGES = ['@grpc/grpc-js', '@kubernetes/client-node', 'prom-client', 'ws', 'yaml'];
const FORBIDDEN_DIRS = ['cri/', 'images/', 'streaming/'];

/** `import … from 'x'`, `import 'x'`, `export … from 'x'` at the start of a line (tsc's output); not `import('x')`. */
const STATIC_IMPORT = /^[ \t]*(?:import|export)\s+(?:[^'";]*?\s*from\s*)?['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

const rel = (f: string): string => relative(DIST_SRC, f).replace(/\\/g, '/');
const packageOf = (spec: string): string => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

interface Violation { what: string; chain: string[] }

/** Breadth-first over static imports from `entries`; each forbidden module is reported once, by its shortest chain. */
function forbiddenImports(entries: string[]): { violations: Violation[]; files: number } {
  const parent = new Map<string, string | null>();
  const queue: string[] = [];
  for (const e of entries) {
    assert.ok(existsSync(e), `entry ${rel(e)} does not exist (renamed? update this test)`);
    if (!parent.has(e)) { parent.set(e, null); queue.push(e); }
  }
  const chainTo = (f: string): string[] => {
    const out: string[] = [];
    for (let c: string | null | undefined = f; c; c = parent.get(c)) out.unshift(rel(c));
    return out;
  };
  const violations: Violation[] = [];
  const seen = new Set<string>();
  while (queue.length) {
    const f = queue.shift()!;
    const here = rel(f);
    const dir = FORBIDDEN_DIRS.find((d) => here.startsWith(d));
    if (dir) { if (!seen.has(here)) { seen.add(here); violations.push({ what: `src/${dir}`, chain: chainTo(f) }); } continue; }
    for (const m of readFileSync(f, 'utf8').matchAll(STATIC_IMPORT)) {
      const spec = m[1]!;
      if (spec.startsWith('node:')) continue;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(f), spec);
        if (!parent.has(target) && existsSync(target)) { parent.set(target, f); queue.push(target); }
        continue;
      }
      const pkg = packageOf(spec);
      if (FORBIDDEN_PACKAGES.includes(pkg) && !seen.has(pkg)) { seen.add(pkg); violations.push({ what: pkg, chain: [...chainTo(f), spec] }); }
    }
  }
  return { violations, files: parent.size };
}

function report(vs: Violation[]): string {
  return vs.map((v) => `${v.what} is loaded via ${v.chain.join(' → ')}`).join('\n');
}

/** The modules the io-keeper command loads lazily in its own process (its run body's `import()` calls). */
function ioKeeperLazyLoads(): string[] {
  const file = join(DIST_SRC, 'cli/commands/internal.js');
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf("name: 'io-keeper'");
  assert.ok(start >= 0, 'the io-keeper command is no longer in cli/commands/internal.js (update this test)');
  const end = text.indexOf('export const', start);
  const body = text.slice(start, end < 0 ? undefined : end);
  const specs = [...body.matchAll(DYNAMIC_IMPORT)].map((m) => resolve(dirname(file), m[1]!));
  assert.ok(specs.some((s) => rel(s) === 'container-io/keeper-main.js'), 'the io-keeper command no longer loads container-io/keeper-main.js');
  return specs;
}

test('the IO keeper process loads no daemon-only module', () => {
  const entries = [
    join(DIST_SRC, 'cli/main.js'), // the process entry (`wincri io-keeper`)
    ...ioKeeperLazyLoads(),
    // The platform createPlatform loads (lazily, by configuration).
    join(DIST_SRC, 'platform/emulator/index.js'),
    join(DIST_SRC, 'platform/windows/index.js'),
  ];
  const { violations, files } = forbiddenImports(entries);
  assert.ok(files > entries.length, 'the walk found the imports of the entries');
  assert.equal(violations.length, 0, `the IO keeper must stay small:\n${report(violations)}`);
});

test('the emulator service process loads no daemon-only module', () => {
  const { violations, files } = forbiddenImports([join(DIST_SRC, 'platform/emulator/service/main.js')]);
  assert.ok(files > 10, 'the walk found the imports of the service');
  assert.equal(violations.length, 0, `the emulator service must stay small:\n${report(violations)}`);
});

test('the footprint walk sees what the daemon loads, and names the chain', () => {
  // The daemon's wiring is daemon-only on purpose: the walk must find gRPC and the CRI layer there, with the chain.
  const { violations } = forbiddenImports([join(DIST_SRC, 'daemon/wire.js')]);
  const grpc = violations.find((v) => v.what === '@grpc/grpc-js');
  assert.ok(grpc, `gRPC not found from the daemon's wiring; found: ${report(violations)}`);
  assert.equal(grpc.chain[0], 'daemon/wire.js');
  assert.equal(grpc.chain.at(-1), '@grpc/grpc-js');
  const cri = violations.find((v) => v.what === 'src/cri/');
  assert.ok(cri, `src/cri/ not found from the daemon's wiring; found: ${report(violations)}`);
  assert.equal(cri.chain[0], 'daemon/wire.js');
  assert.match(cri.chain.at(-1)!, /^cri\/.+\.js$/);
});
