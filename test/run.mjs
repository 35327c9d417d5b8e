// Test entry point (npm test): builds, then runs every compiled *.test.js under dist/test with node:test.
// Usage: npm test [-- <substring filter>...]
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
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
const HOST_NETWORK = /harness\.js|helpers\/netns\.js|emulator\/helpers\.js|cni\/helpers\.js|createEmulatorPlatform|rootNetworkingSkipReason|labelledObjects/;
const HOST_DIRS = /[\\/]test[\\/](cni|unit[\\/]platform[\\/]emulator)[\\/]/;
const serial = selected.filter((f) => HOST_DIRS.test(f) || HOST_NETWORK.test(readFileSync(f, 'utf8')));
const rest = selected.filter((f) => !serial.includes(f));
const lane = (list) => list.length === 0 ? Promise.resolve(0) : new Promise((resolveLane) => {
  const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=300000', ...list], { stdio: 'inherit', cwd: root });
  child.on('exit', (code, signal) => resolveLane(code ?? (signal ? 1 : 0)));
});
const codes = await Promise.all([lane(serial), lane(rest)]);
process.exit(codes.some((c) => c !== 0) ? 1 : 0);
