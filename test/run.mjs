// Test entry point (npm test): builds, then runs every compiled *.test.js under dist/test with node:test.
// Usage: npm test [-- <substring filter>...]
// WINCRI_TEST_TIMES=1 also prints each file's wall time and lane, slowest first (test/file-times.mjs).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
// Files that run the emulator service or the daemon create host objects as root (a network namespace per HNS
// namespace, veths, bridges, nft tables, all named wincri-*), and some audit every such object on the host (leak
// checks, doctor --leaks): they run one at a time in their own lane, beside a second lane with everything else.
const HOST_NETWORK = /harness\.js|runtime-env\.js|helpers\/netns\.js|emulator\/helpers\.js|cni\/helpers\.js|createEmulatorPlatform|rootNetworkingSkipReason|labelledObjects/;
const HOST_DIRS = /[\\/]test[\\/](cni|unit[\\/]platform[\\/]emulator)[\\/]/;
const serial = selected.filter((f) => HOST_DIRS.test(f) || HOST_NETWORK.test(readFileSync(f, 'utf8')));
const rest = selected.filter((f) => !serial.includes(f));
// Every emulator service on a fresh state dir would compile its C helpers (gcc -O2) again: one build per run,
// copied by the others (src/platform/emulator/service/helper-cache.ts). mkdtemp: a directory of our own, mode 0700.
const helperCache = process.env.WINCRI_EMULATOR_HELPER_CACHE ? undefined : mkdtempSync(join(tmpdir(), 'wincri-helper-cache-'));
if (helperCache) process.env.WINCRI_EMULATOR_HELPER_CACHE = helperCache;
const timesDir = process.env.WINCRI_TEST_TIMES ? mkdtempSync(join(tmpdir(), 'wincri-test-times-')) : undefined;
const laneSeconds = {};
const lane = (name, list) => list.length === 0 ? Promise.resolve(0) : new Promise((resolveLane) => {
  // The default reporter (spec on a terminal, tap otherwise) stays; the timing reporter writes to a file beside it.
  const reporters = timesDir ? [`--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`, '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'test', 'file-times.mjs')}`, `--test-reporter-destination=${join(timesDir, name)}`] : [];
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=300000', ...reporters, ...list], { stdio: 'inherit', cwd: root });
  child.on('exit', (code, signal) => { laneSeconds[name] = (Date.now() - t0) / 1000; resolveLane(code ?? (signal ? 1 : 0)); });
});
const codes = await Promise.all([lane('serial', serial), lane('other', rest)]);
console.log(`lanes: serial ${serial.length} files ${laneSeconds.serial?.toFixed(0) ?? 0} s, other ${rest.length} files ${laneSeconds.other?.toFixed(0) ?? 0} s`);
if (timesDir) {
  const rows = [];
  for (const name of readdirSync(timesDir)) {
    for (const l of readFileSync(join(timesDir, name), 'utf8').split('\n').filter(Boolean)) {
      const [ms, state, file] = l.split('\t');
      rows.push({ ms: Number(ms), line: `${(Number(ms) / 1000).toFixed(1).padStart(7)} s  ${name.padEnd(6)}  ${state.padEnd(4)}  ${relative(root, file)}` });
    }
  }
  console.log(`per file, slowest first (WINCRI_TEST_TIMES):\n${rows.sort((a, b) => b.ms - a.ms).map((r) => r.line).join('\n')}`);
  rmSync(timesDir, { recursive: true, force: true });
}
if (helperCache) rmSync(helperCache, { recursive: true, force: true });
process.exit(codes.some((c) => c !== 0) ? 1 : 0);
