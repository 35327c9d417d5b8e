// Test entry point (npm test): builds, then runs every compiled *.test.js under dist/test with node:test.
// Usage: npm test [-- <substring filter>...]
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(process.execPath, [join(root, 'test', 'setup.mjs')], { stdio: 'inherit', cwd: root });
execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit', cwd: root });
const files = [];
const walk = (d) => {
  for (const e of readdirSync(d)) {
    const p = join(d, e);
    if (statSync(p).isDirectory()) walk(p); else if (p.endsWith('.test.js')) files.push(p);
  }
};
walk(join(root, 'dist', 'test'));
const filters = process.argv.slice(2);
const selected = files.filter((f) => filters.length === 0 || filters.some((x) => relative(root, f).includes(x))).sort();
if (selected.length === 0) { console.error('no test files matched'); process.exit(1); }
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...selected],
  { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
