// Test entry point (npm test): builds, then runs every compiled *.test.js under dist/test with node:test.
// Usage: npm test [-- <substring filter>...]
// WINCRI_TEST_TIMES=1 also prints each file's wall time and lane, slowest first (test/file-times.mjs).
// WINCRI_TEST_HOST_LANES=<n>: how many host-network files run at a time, each in namespaces of its own (default 3).
// WINCRI_TEST_FILE_TIMEOUT_S=<s>: a file still running s seconds after its start is killed and fails (default 1800;
// test/lane-limit.mjs). WINCRI_TEST_EXIT_GRACE_S=<s>: a file's process still alive s seconds after its tests ended
// says what keeps it alive and fails (default 60; test/file-exit-watch.mjs).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runLanes } from './lane-run.mjs';
import { cleanupTimes } from './lanes.mjs';

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
// namespace, veths, bridges, nft tables, all named wincri-*; cgroups), and some audit every such object they can see
// (leak checks, doctor --leaks): they run in the host lane, each in namespaces of its own, several at a time
// (test/lanes.mjs); beside it a lane runs everything else, one file at a time.
const HOST_NETWORK = /lanes\.mjs|harness\.js|runtime-env\.js|helpers\/netns\.js|emulator\/helpers\.js|cni\/helpers\.js|createEmulatorPlatform|rootNetworkingSkipReason|labelledObjects/;
const HOST_DIRS = /[\\/]test[\\/](cni|unit[\\/]platform[\\/]emulator)[\\/]/;
const host = selected.filter((f) => HOST_DIRS.test(f) || HOST_NETWORK.test(readFileSync(f, 'utf8')));
const rest = selected.filter((f) => !host.includes(f));
// Every emulator service on a fresh state dir would compile its C helpers (gcc -O2) again: one build per run,
// copied by the others (src/platform/emulator/service/helper-cache.ts). mkdtemp: a directory of our own, mode 0700.
const helperCache = process.env.WINCRI_EMULATOR_HELPER_CACHE ? undefined : mkdtempSync(join(tmpdir(), 'wincri-helper-cache-'));
if (helperCache) process.env.WINCRI_EMULATOR_HELPER_CACHE = helperCache;
const timesDir = process.env.WINCRI_TEST_TIMES ? mkdtempSync(join(tmpdir(), 'wincri-test-times-')) : undefined;
// Files that did not exit after their tests (HUNG, test/file-exit-watch.mjs) add themselves here; named in the summary.
const hungDir = mkdtempSync(join(tmpdir(), 'wincri-test-hung-'));
process.env.WINCRI_TEST_HUNG_LOG = join(hungDir, 'hung');
// Spec on a terminal, tap otherwise (named: a host file's output goes through a pipe); the timing reporter writes
// to a file beside it.
const reporters = (name) => [`--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`, '--test-reporter-destination=stdout',
  ...(timesDir ? [`--test-reporter=${join(root, 'test', 'file-times.mjs')}`, `--test-reporter-destination=${join(timesDir, name)}`] : [])];
// Each file's process preloads test/file-exit-watch.mjs: one that does not exit after its tests says so and ends.
const exitWatch = pathToFileURL(join(root, 'test', 'file-exit-watch.mjs')).href;
const nodeTest = (name, list) => [process.execPath, `--import=${exitWatch}`, '--test', '--test-concurrency=1', '--test-timeout=300000', ...reporters(name), ...list];
// The lanes (test/lane-run.mjs): each host file in namespaces and cgroups of its own where it can, beside the other
// lane; TMPDIR, LEAK reports and SIGINT/SIGTERM handling there.
const { hostCodes, otherCodes, failed, timedOut, width, isolated, seconds, interrupted } = await runLanes({
  host, rest, cwd: root, label: (f) => relative(root, f), width: Number(process.env.WINCRI_TEST_HOST_LANES) || 3,
  hostArgv: (f, w, i) => nodeTest(`host${w + 1}.${i}`, [f]), otherArgv: () => nodeTest('other', rest),
});
const codes = [...hostCodes, ...otherCodes];
console.log(`lanes: host ${host.length} files ${width} at a time${isolated ? ' (own namespaces)' : ''} ${seconds.host?.toFixed(0) ?? 0} s, other ${rest.length} files ${seconds.other?.toFixed(0) ?? 0} s`);
if (failed.length > 0) console.log(`host files that failed: ${failed.join(' ')}`);
if (timedOut.length > 0) console.log(`files killed at the per-file limit (TIMEOUT): ${timedOut.join(' ')}`);
const hung = (() => { try { return readFileSync(process.env.WINCRI_TEST_HUNG_LOG, 'utf8').split('\n').filter(Boolean); } catch { return []; } })();
if (hung.length > 0) console.log(`files whose process did not exit after their tests (HUNG): ${hung.map((f) => relative(root, f)).join(' ')}`);
rmSync(hungDir, { recursive: true, force: true });
if (interrupted) console.log(`interrupted by ${interrupted}: ${host.length - hostCodes.length} host files not run`);
if (timesDir) {
  const rows = [];
  for (const name of readdirSync(timesDir)) {
    for (const l of readFileSync(join(timesDir, name), 'utf8').split('\n').filter(Boolean)) {
      const [ms, state, file] = l.split('\t');
      rows.push({ ms: Number(ms), line: `${(Number(ms) / 1000).toFixed(1).padStart(7)} s  ${name.split('.')[0].padEnd(6)}  ${state.padEnd(4)}  ${relative(root, file)}` });
    }
  }
  console.log(`per file, slowest first (WINCRI_TEST_TIMES):\n${rows.sort((a, b) => b.ms - a.ms).map((r) => r.line).join('\n')}`);
  const slow = cleanupTimes.sort((a, b) => b.ms - a.ms);
  console.log(`after host files (leftovers killed, cgroups and temp dirs removed): ${(slow.reduce((n, c) => n + c.ms, 0) / 1000).toFixed(1)} s in all; slowest: ${slow.slice(0, 5).map((c) => `${c.label} ${(c.ms / 1000).toFixed(1)} s`).join(', ')}`);
  rmSync(timesDir, { recursive: true, force: true });
}
if (helperCache) rmSync(helperCache, { recursive: true, force: true });
process.exit(interrupted || codes.some((c) => c !== 0) ? 1 : 0);
