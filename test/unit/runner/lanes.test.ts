/**
 * The test runner's lanes (test/lanes.mjs, lane-run.mjs): a file's temp dir is its own and goes with it; as root,
 * what a file leaves behind (a detached sleep in a session of its own, a fake emulator service) is named in a LEAK,
 * killed, and its cgroups removed; a SIGTERM to the runner mid-run leaves no process and no temp dir behind. The
 * cgroup checks run on whatever hierarchies the host has (v1 memory/cpu, cgroup2): a file's processes start in the
 * leaf <subtree>/runner, and the subtree's own root holds none (on v2 the emulator enables controllers there). A
 * second SIGTERM kills everything at once; cgroups of runners that are gone go at the next start; the temp root is
 * a real path (mounts under it are matched by real path). A file still running at the per-file limit (a leaked handle
 * keeps its process alive), in either lane, is named in a TIMEOUT line, killed and failed, and the run goes on; one
 * whose tests ended but whose process stays says so (HUNG) and fails soon after.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../helpers/wait-for.js';

const LANES = new URL('../../../../test/lanes.mjs', import.meta.url).href;
const CGROUPS = new URL('../../../../test/lane-cgroups.mjs', import.meta.url).href;
const TMP = new URL('../../../../test/lane-tmp.mjs', import.meta.url).href;
const RUN = new URL('../../../../test/lane-run.mjs', import.meta.url).href;
const EXIT_WATCH = new URL('../../../../test/file-exit-watch.mjs', import.meta.url).href;
const rootSkip = process.platform !== 'linux' ? 'Linux only' : process.getuid?.() !== 0 ? 'needs root (cgroups)' : false;

/** Pids whose command line contains `marker` (not zombies: theirs is empty). */
function withMarker(marker: string): number[] {
  const pids: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try { if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(marker)) pids.push(Number(e)); } catch { /* gone */ }
  }
  return pids;
}

/**
 * A throw-away test file: makes a temp dir in its TMPDIR, leaves a sleep in a new session and a fake emulator
 * service (a detached node) running with `marker` in their command lines, prints its temp dir and its cgroups, then
 * (with `stay`) keeps running. LANE_ROOTS: the subtree roots it checks hold no process (a `:`-separated list).
 */
const FAKE = `
const { spawn } = require('node:child_process');
const fs = require('node:fs'), os = require('node:os'), path = require('node:path');
const [marker, stay] = process.argv.slice(1);
const d = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-'));
fs.writeFileSync(path.join(d, 'state'), 'x');
spawn('setsid', ['sleep', '86400.' + marker], { detached: true, stdio: 'ignore' }).unref();
spawn(process.execPath, ['-e', 'setInterval(()=>{},1e6)', 'fake-emulator-' + marker], { detached: true, stdio: 'ignore' }).unref();
const roots = (process.env.LANE_ROOTS || '').split(':').filter(Boolean);
const busyRoots = roots.filter((r) => fs.readFileSync(path.join(r, 'cgroup.procs'), 'utf8').trim() !== '');
console.log('TEMP ' + d);
console.log('BUSYROOTS ' + busyRoots.join(' '));
console.log(fs.readFileSync('/proc/self/cgroup', 'utf8').split('\\n').map((l) => 'CGROUP ' + l).join('\\n'));
if (process.env.LANE_READY) fs.writeFileSync(path.join(process.env.LANE_READY, marker + '.' + process.pid), d);
if (stay) setInterval(() => {}, 1e6);
`;

interface Driven { out: () => string; exited: Promise<number | null>; pid: number; kill: (sig: NodeJS.Signals) => void }

/**
 * Runs `body` (an ES module; LANES, TMP, RUN, FAKE and MARKER in scope) in a node of its own, as the runner would be
 * (outside any test file: a `node --test` it starts runs its files).
 */
function drive(body: string, marker: string, env: Record<string, string> = {}): Driven {
  const head = `const [LANES, TMP, RUN, FAKE, MARKER] = ${JSON.stringify([LANES, TMP, RUN, FAKE, marker])};\n`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  // Its files' HUNG lines go to the log the test names, if any, not to the summary of the run this test is in.
  if (!env.WINCRI_TEST_HUNG_LOG) delete childEnv.WINCRI_TEST_HUNG_LOG;
  const child = spawn(process.execPath, ['--input-type=module', '-e', head + body], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { out: () => out, exited, pid: child.pid!, kill: (sig) => { child.kill(sig); } };
}

/**
 * After run `d` of the runner ended: no process marked `marker` is left, its temp root under `base` is gone, and
 * (after `beforeCgroups`) no cgroup of the run is left in any hierarchy.
 */
async function assertRunLeftNothing(d: Driven, marker: string, base: string, beforeCgroups = async (): Promise<unknown> => undefined): Promise<void> {
  await waitFor('no process of the run to be left', () => withMarker(marker).length === 0, { timeoutMs: 10_000, detail: d.out });
  assert.deepEqual(readdirSync(base), [], 'the runner\'s temp dir (with the cgroup mounts\' aside dirs) is removed');
  await beforeCgroups();
  const { cgroupMounts } = await import(CGROUPS);
  for (const m of cgroupMounts() as { dir: string }[]) {
    assert.deepEqual(readdirSync(m.dir).filter((e) => e.startsWith(`wincri-test-${d.pid}-`)), [], `no cgroup of the run left in ${m.dir}`);
  }
}

/** Kills run `d` and the processes marked `marker` whatever happened, and removes `dirs`. */
function endRun(d: Driven, marker: string, ...dirs: string[]): void {
  d.kill('SIGKILL');
  for (const pid of withMarker(marker)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}

test('lanes: a file gets a TMPDIR of its own, removed after it, and its exit code (any host, no root needed)', async () => {
  const base = mkdtempSync(join(tmpdir(), 'lanes-'));
  try {
    const d = drive(`
      const { tempDirs, mountsUnder } = await import(TMP);
      const { runFile } = await import(LANES);
      const tmp = tempDirs();
      const script = 'const d = require("node:os").tmpdir(); require("node:fs").writeFileSync(d + "/x", "1"); console.log("TEMP " + d); process.exit(3)';
      const code = await runFile('fake.test.js', 7, [process.execPath, '-e', script], { cwd: '/', tmp });
      console.log('RESULT ' + JSON.stringify({ code, root: tmp.root, outside: tmp.remove('/etc'), proc: mountsUnder('/proc')[0], close: tmp.close() ?? null }));`, '', { TMPDIR: base });
    assert.equal(await d.exited, 0, d.out());
    const r = JSON.parse(/^RESULT (.*)$/m.exec(d.out())![1]!);
    assert.equal(r.code, 3, d.out());
    assert.equal(/^TEMP (.*)$/m.exec(d.out())?.[1], join(r.root, '7'), 'the file\'s TMPDIR is its own');
    assert.match(r.outside, /not the runner's/);
    assert.equal(r.proc, '/proc');
    assert.equal(r.close, null);
    assert.deepEqual(readdirSync(base), [], 'its temp dir and the runner\'s are removed');
  } finally { rmSync(base, { recursive: true, force: true }); }
});

test('lanes: what a file leaves behind (a sleep in its own session, a fake emulator) is a LEAK, named, killed; its cgroups and temp dir go', { skip: rootSkip }, async () => {
  const { cgroupMounts, LEAF } = await import(CGROUPS);
  const base = mkdtempSync(join(tmpdir(), 'lanes-'));
  const marker = String(process.pid) + String(Date.now() % 1e6);
  const mounts: { dir: string }[] = cgroupMounts();
  try {
    const d = drive(`
      const { isolation, isolationUnavailable, runFile } = await import(LANES);
      const { tempDirs } = await import(TMP);
      const namespaces = isolationUnavailable() === undefined;
      const name = 'wincri-test-' + process.pid + '-9';
      // The file's view of its subtree roots: each hierarchy's mount, where its subtree is bound over it.
      const { cgroupMounts } = await import(${JSON.stringify(CGROUPS)});
      process.env.LANE_ROOTS = cgroupMounts().map((m) => namespaces ? m.dir : m.dir + '/' + name).join(':');
      const tmp = tempDirs();
      const code = await runFile('leaky.test.js', 9, [process.execPath, '-e', FAKE, MARKER], { cwd: '/', iso: isolation({ namespaces }), tmp });
      console.log('RESULT ' + JSON.stringify({ code, name, root: tmp.root, close: tmp.close() ?? null }));`, marker, { TMPDIR: base });
    assert.equal(await d.exited, 0, d.out());
    const out = d.out();
    const r = JSON.parse(/^RESULT (.*)$/m.exec(out)![1]!);
    assert.equal(r.code, 0, out);
    assert.match(out, new RegExp(`LEAK: leaky\\.test\\.js left processes behind; killed .*sleep\\[\\d+\\]: sleep 86400\\.${marker}`), out);
    assert.match(out, new RegExp(`node\\[\\d+\\]: \\S+ -e .* fake-emulator-${marker}`), out);
    await waitFor('the leftovers to be gone', () => withMarker(marker).length === 0, { timeoutMs: 10_000 });
    assert.ok(/^TEMP (.*)$/m.exec(out)?.[1]?.startsWith(join(r.root, '9')), out);
    assert.equal(r.close, null);
    assert.deepEqual(readdirSync(base), [], 'the file\'s temp dir and the runner\'s are removed');
    for (const m of mounts) assert.equal(existsSync(join(m.dir, r.name)), false, `${m.dir}/${r.name} is removed`);
    if (mounts.length > 0) {
      assert.match(out, new RegExp(`^CGROUP .*/${r.name}/${LEAF}$`, 'm'), 'the file ran in the leaf of its subtree');
      assert.match(out, /^BUSYROOTS $/m, 'no process in the subtree roots themselves');
    }
  } finally {
    for (const pid of withMarker(marker)) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    rmSync(base, { recursive: true, force: true });
  }
});

test('lanes: a SIGTERM to the runner mid-run leaves no process, no cgroup and no temp dir behind', { skip: rootSkip }, async () => {
  const base = mkdtempSync(join(tmpdir(), 'lanes-'));
  const ready = mkdtempSync(join(tmpdir(), 'lanes-ready-'));
  const marker = String(process.pid) + String((Date.now() + 1) % 1e6);
  // A runner of two host files (running at once) and the other lane, each the fake file that stays.
  const d = drive(`
    const { runLanes } = await import(RUN);
    const fake = (what) => [process.execPath, '-e', FAKE, MARKER, 'stay', what];
    const r = await runLanes({ host: ['a', 'b'], rest: ['o'], cwd: '/', label: (f) => f, width: 2, hostArgv: (f) => fake(f), otherArgv: () => fake('other') });
    console.log('RESULT ' + JSON.stringify(r));
    process.exit(r.interrupted ? 1 : 0);`, marker, { TMPDIR: base, LANE_READY: ready });
  try {
    // Three fakes running, each with its sleep and fake emulator.
    await waitFor('the fake files to run', () => readdirSync(ready).length === 3 && withMarker(`86400.${marker}`).length === 3, { timeoutMs: 20_000, detail: d.out });
    await waitFor('the fake emulators to run', () => withMarker(`fake-emulator-${marker}`).length === 3, { timeoutMs: 20_000, detail: d.out });
    const temps = readdirSync(ready).map((f) => readFileSync(join(ready, f), 'utf8'));
    d.kill('SIGTERM');
    assert.equal(await d.exited, 1, d.out());
    const out = d.out();
    assert.match(out, /test lanes: SIGTERM: stopping the running files/);
    assert.match(out, /RESULT .*"interrupted":"SIGTERM"/, out);
    assert.match(out, /a: interrupted; killed what it left: .*sleep\[\d+\]/, out);
    assert.match(out, new RegExp(`the other lane: interrupted; killed what it left: .*fake-emulator-${marker}`), out);
    await assertRunLeftNothing(d, marker, base);
    for (const t of temps) assert.equal(existsSync(t), false, `${t} is removed`);
  } finally {
    endRun(d, marker, base, ready);
  }
});

test('lanes: the runner\'s temp root is a real path, so a mount under a file\'s dir is seen (and kept) through a symlinked TMPDIR', async () => {
  const { tempDirs } = await import(TMP);
  const real = mkdtempSync(join(tmpdir(), 'lanes-real-'));
  const link = `${real}-link`;
  symlinkSync(real, link);
  const target = mkdtempSync(join(tmpdir(), 'lanes-target-'));
  writeFileSync(join(target, 'precious'), 'x');
  let mounted = false;
  try {
    const tmp = tempDirs(link);
    assert.equal(tmp.root, realpathSync(tmp.root), 'the root is named by its real path');
    assert.ok(tmp.root.startsWith(real), tmp.root);
    const dir = tmp.make('1');
    if (rootSkip === false && spawnSync('mount', ['--bind', target, dir]).status === 0) {
      mounted = true;
      assert.match(tmp.remove(dir) ?? '', /mounts under it/, 'a dir with a mount under it is kept');
      assert.equal(readFileSync(join(target, 'precious'), 'utf8'), 'x', 'nothing removed through the mount');
      spawnSync('umount', [dir]);
      mounted = false;
    }
    assert.equal(tmp.remove(dir), undefined);
    assert.equal(tmp.close(), undefined);
  } finally {
    if (mounted) spawnSync('umount', ['-l', join(realpathSync(link), readdirSync(link)[0]!, '1')]);
    rmSync(link, { force: true });
    rmSync(real, { recursive: true, force: true });
    rmSync(target, { recursive: true, force: true });
  }
});

test('lanes: cgroups of a runner that is gone are killed and removed at the next start; a live runner\'s are left alone', { skip: rootSkip }, async () => {
  const { cgroupMounts, reapStaleSubtrees, LEAF } = await import(CGROUPS);
  const mounts: { dir: string }[] = cgroupMounts();
  if (mounts.length === 0) return;
  const gone = spawn('true');
  await new Promise((r) => gone.on('exit', r));
  const live = spawn('sleep', ['86400']);
  const inside = spawn('sleep', ['86400']);
  const stale = join(mounts[0]!.dir, `wincri-test-${gone.pid}-3`);
  const alive = join(mounts[0]!.dir, `wincri-test-${live.pid}-3`);
  try {
    for (const d of [stale, alive]) mkdirSync(join(d, LEAF), { recursive: true });
    writeFileSync(join(stale, LEAF, 'cgroup.procs'), String(inside.pid));
    const exited = new Promise((r) => inside.on('exit', r));
    const r = await reapStaleSubtrees(mounts);
    assert.ok(r.removed.includes(stale), JSON.stringify(r));
    assert.ok(!r.removed.includes(alive), 'a live runner\'s cgroups are not touched');
    assert.ok(r.left.some((l: string) => l.includes(`sleep[${inside.pid}]`)), JSON.stringify(r));
    await exited;
    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(alive), true);
  } finally {
    live.kill('SIGKILL');
    inside.kill('SIGKILL');
    for (const d of [stale, alive]) for (const x of [join(d, LEAF), d]) try { rmdirSync(x); } catch { /* gone */ }
  }
});

test('lanes: a second SIGTERM kills every file, its leftovers and the other lane at once; what stays busy goes at the next start', { skip: rootSkip }, async () => {
  const { cgroupMounts, reapStaleSubtrees } = await import(CGROUPS);
  const base = mkdtempSync(join(tmpdir(), 'lanes-'));
  const ready = mkdtempSync(join(tmpdir(), 'lanes-ready-'));
  const marker = String(process.pid) + String((Date.now() + 2) % 1e6);
  const d = drive(`
    const { runLanes } = await import(RUN);
    const fake = (what) => [process.execPath, '-e', FAKE, MARKER, 'stay', what];
    // The other lane ignores SIGTERM (a hung file): the first signal cannot end the run, the second must.
    const deaf = [process.execPath, '-e', 'process.on("SIGTERM", () => {});' + FAKE, MARKER, 'stay', 'other'];
    await runLanes({ host: ['a', 'b'], rest: ['o'], cwd: '/', label: (f) => f, width: 2, hostArgv: (f) => fake(f), otherArgv: () => deaf });
    console.log('NOT REACHED');`, marker, { TMPDIR: base, LANE_READY: ready });
  try {
    await waitFor('the fake files to run', () => readdirSync(ready).length === 3 && withMarker(`fake-emulator-${marker}`).length === 3, { timeoutMs: 20_000, detail: d.out });
    d.kill('SIGTERM');
    await waitFor('the first signal to be handled', () => /stopping the running files/.test(d.out()), { timeoutMs: 10_000, detail: d.out });
    d.kill('SIGTERM');
    assert.equal(await d.exited, 1, d.out());
    assert.match(d.out(), /SIGTERM again: killing everything now/, d.out());
    assert.doesNotMatch(d.out(), /NOT REACHED/);
    // What stayed busy at the kill goes at the next start.
    await assertRunLeftNothing(d, marker, base, () => reapStaleSubtrees(cgroupMounts()));
  } finally {
    endRun(d, marker, base, ready);
  }
});

/**
 * node:test files in a temp dir of their own (named with `marker`): `hung.test.mjs` passes and leaves a timer
 * running (with `hungGraceS`, it sets its own exit grace: test/file-exit-watch.mjs); `next.test.mjs` passes (with
 * `afterMs`, its global after() hook takes that long).
 */
function testFiles(marker: string, afterMs = 0, hungGraceS = 0): { dir: string; hung: string; next: string } {
  const dir = mkdtempSync(join(tmpdir(), `lanes-files-${marker}-`)); // in the files' command lines
  const hung = join(dir, 'hung.test.mjs');
  const next = join(dir, 'next.test.mjs');
  writeFileSync(hung, (hungGraceS > 0 ? `process.env.WINCRI_TEST_EXIT_GRACE_S = '${hungGraceS}';\n` : '')
    + `import { test } from 'node:test';\ntest('leaves a timer running (${marker})', () => { setInterval(() => {}, 1e6); });\n`);
  writeFileSync(next, `import { test, after } from 'node:test';\ntest('runs after it', () => { console.log('NEXT-FILE-RAN'); });\n`
    + (afterMs > 0 ? `after(async () => { await new Promise((r) => setTimeout(r, ${afterMs})); console.log('NEXT-AFTER-DONE'); });\n` : ''));
  return { dir, hung, next };
}

test('lanes: a host file still running at the per-file limit is named in a TIMEOUT line, killed and failed; the next runs (any host)', async () => {
  const base = mkdtempSync(join(tmpdir(), 'lanes-'));
  const marker = `hung-${process.pid}-${Date.now() % 1e6}`;
  const d = drive(`
    const { tempDirs } = await import(TMP);
    const { runFile } = await import(LANES);
    const tmp = tempDirs();
    const timedOut = [];
    const hung = 'setInterval(() => {}, 1e6); console.log("HUNG-FILE-STARTED")';
    // The short limit is the hung file's alone: the next one has the default (however slow its start).
    const code = await runFile('hung.test.js', 5, [process.execPath, '-e', hung, MARKER], { cwd: '/', tmp, timedOut: (l) => timedOut.push(l), limitMs: 10_000 });
    const next = await runFile('next.test.js', 6, [process.execPath, '-e', 'console.log("NEXT-FILE-RAN")'], { cwd: '/', tmp });
    console.log('RESULT ' + JSON.stringify({ code, next, timedOut, close: tmp.close() ?? null }));`, marker, { TMPDIR: base, WINCRI_TEST_FILE_TIMEOUT_S: '300' });
  try {
    assert.equal(await d.exited, 0, d.out());
    const r = JSON.parse(/^RESULT (.*)$/m.exec(d.out())![1]!);
    assert.deepEqual(r, { code: 1, next: 0, timedOut: ['hung.test.js'], close: null }, d.out());
    assert.match(d.out(), /HUNG-FILE-STARTED\n[^]*test lanes: TIMEOUT: hung\.test\.js still running 10 s after its start \(WINCRI_TEST_FILE_TIMEOUT_S\)/, 'its output, then the TIMEOUT line');
    assert.match(d.out(), /NEXT-FILE-RAN/);
    await waitFor('the hung file to be gone', () => withMarker(marker).length === 0, { timeoutMs: 10_000, detail: d.out });
    assert.deepEqual(readdirSync(base), [], 'its temp dir and the runner\'s are removed');
  } finally {
    endRun(d, marker, base);
  }
});

test('lanes: a host file that exits in time but leaves its output held open past the limit is not a TIMEOUT (any host)', async () => {
  const base = mkdtempSync(join(tmpdir(), 'lanes-'));
  const marker = `${process.pid}${Date.now() % 1e6}`;
  const d = drive(`
    const { tempDirs } = await import(TMP);
    const { runFile } = await import(LANES);
    const tmp = tempDirs();
    const timedOut = [];
    // It exits at once; the sleep it leaves holds its output past its limit (3 s), until the output grace (6 s) ends.
    const argv = ['sh', '-c', 'sleep 30.' + MARKER + ' & echo EARLY-FILE-EXITS; exit 0'];
    const code = await runFile('early.test.js', 4, argv, { cwd: '/', tmp, timedOut: (l) => timedOut.push(l), limitMs: 3000, graceMs: 6000 });
    console.log('RESULT ' + JSON.stringify({ code, timedOut, close: tmp.close() ?? null }));`, marker, { TMPDIR: base });
  try {
    assert.equal(await d.exited, 0, d.out());
    const r = JSON.parse(/^RESULT (.*)$/m.exec(d.out())![1]!);
    assert.deepEqual(r, { code: 0, timedOut: [], close: null }, d.out());
    assert.doesNotMatch(d.out(), /TIMEOUT/, 'its limit ended with it');
    assert.match(d.out(), /EARLY-FILE-EXITS\n[^]*test lanes: early\.test\.js: a process it left holds its output open 6 s after it exited/);
    await waitFor('what it left to be gone', () => withMarker(marker).length === 0, { timeoutMs: 10_000, detail: d.out });
  } finally {
    endRun(d, marker, base);
  }
});

test('lanes: an other-lane file still running at the per-file limit is named, killed with what it started; node --test fails it and runs the next (any host)', async () => {
  const base = mkdtempSync(join(tmpdir(), 'lanes-'));
  const marker = `other-${process.pid}-${Date.now() % 1e6}`;
  const files = testFiles(marker);
  const d = drive(`
    const { runLanes } = await import(RUN);
    const argv = [process.execPath, '--test', '--test-concurrency=1', '--test-reporter=tap', ${JSON.stringify(files.hung)}, ${JSON.stringify(files.next)}];
    // The short limit is the hung file's alone: the next one has the default (however slow its start).
    const limitFor = (f) => (f.endsWith('hung.test.mjs') ? 2000 : 300_000);
    const r = await runLanes({ host: [], rest: ['x'], cwd: '/', label: (f) => f.split('/').pop(), hostArgv: () => [], otherArgv: () => argv, limitFor });
    console.log('RESULT ' + JSON.stringify(r));`, marker, { TMPDIR: base, WINCRI_TEST_FILE_TIMEOUT_S: '300' });
  try {
    assert.equal(await d.exited, 0, d.out());
    const r = JSON.parse(/^RESULT (.*)$/m.exec(d.out())![1]!);
    assert.deepEqual(r.otherCodes, [1], 'the lane fails');
    assert.deepEqual(r.timedOut, ['hung.test.mjs']);
    assert.match(d.out(), /test lanes: TIMEOUT: hung\.test\.mjs \(other lane\) still running 2 s after its start \(WINCRI_TEST_FILE_TIMEOUT_S\): killed node\[\d+\]: [^\n]*hung\.test\.mjs/, d.out());
    assert.match(d.out(), /^not ok \d+ - \S*hung\.test\.mjs/m, 'node --test counts the file failed');
    assert.match(d.out(), /NEXT-FILE-RAN/, 'and runs the next one');
    await waitFor('the hung file to be gone', () => withMarker(marker).length === 0, { timeoutMs: 10_000, detail: d.out });
  } finally {
    endRun(d, marker, base, files.dir);
  }
});

test('lanes: a file whose tests and after() hooks ended but whose process does not exit says so (HUNG, what is open) and fails long before the limit', async () => {
  const base = mkdtempSync(join(tmpdir(), 'lanes-'));
  const marker = `exit-${process.pid}-${Date.now() % 1e6}`;
  // The hung file's grace is 1 s (its own); next.test.mjs has 5 s, and its own after() hook outlasts them (6 s):
  // the grace starts once it has run, and the file then has 5 s to exit.
  const files = testFiles(marker, 6000, 1);
  const d = drive(`
    const { runLanes } = await import(RUN);
    const argv = [process.execPath, '--import=${EXIT_WATCH}', '--test', '--test-concurrency=1', '--test-reporter=tap', ${JSON.stringify(files.hung)}, ${JSON.stringify(files.next)}];
    const r = await runLanes({ host: [], rest: ['x'], cwd: '/', label: (f) => f.split('/').pop(), hostArgv: () => [], otherArgv: () => argv });
    console.log('RESULT ' + JSON.stringify(r));`, marker, { TMPDIR: base, WINCRI_TEST_EXIT_GRACE_S: '5', WINCRI_TEST_FILE_TIMEOUT_S: '300', WINCRI_TEST_HUNG_LOG: join(files.dir, 'hung.log') });
  try {
    assert.equal(await d.exited, 0, d.out());
    const r = JSON.parse(/^RESULT (.*)$/m.exec(d.out())![1]!);
    assert.deepEqual(r.otherCodes, [1], 'the lane fails');
    assert.deepEqual(r.timedOut, [], 'not at the limit');
    assert.match(d.out(), /test lanes: HUNG: \S*hung\.test\.mjs: its tests and after\(\) hooks ended 1 s ago and its process has not exited \(WINCRI_TEST_EXIT_GRACE_S\); still open: [^\n]*timer/, d.out());
    assert.match(d.out(), /^not ok \d+ - \S*hung\.test\.mjs/m, 'node --test counts the file failed');
    assert.doesNotMatch(d.out(), /HUNG: \S*next\.test\.mjs/, 'a file that exits after its own after() hooks is not named');
    assert.match(d.out(), /NEXT-FILE-RAN[^]*NEXT-AFTER-DONE/);
    assert.match(d.out(), /^# fail 1$/m, 'the hung file alone failed');
    assert.deepEqual(readFileSync(join(files.dir, 'hung.log'), 'utf8'), `${files.hung}\n`, 'it is logged for the run\'s summary (test/run.mjs)');
  } finally {
    endRun(d, marker, base, files.dir);
  }
});
