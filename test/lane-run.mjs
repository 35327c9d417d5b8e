// The two lanes of test/run.mjs, side by side: the host lane (`host` files, each in namespaces and cgroups of its own
// where it can, several at a time; test/lanes.mjs) and the other lane (one command for the `rest`, in the host's
// namespaces). Each file, and the other lane as one, gets a TMPDIR of its own, removed after it. As root its
// processes run in cgroups of its own, and what it leaves there is killed and reported as a LEAK when it ends; with
// unshare the emulator's cgroups are made in the file's subtree too (bound over the hierarchy's root). As root
// without unshare ("tracked": host namespaces, one file at a time) the emulator makes its cgroups at the host's
// <hierarchy>/wincri-emulator/..., outside the file's subtree: what it leaves there is not found here. Not root:
// nothing is tracked, and the runner says "leaks not tracked". At start, as root, the cgroups of runners that are
// gone (wincri-test-<pid>-* whose pid is not alive: killed before their cleanup) are killed and removed.
// A file still running WINCRI_TEST_FILE_TIMEOUT_S (default 1800 s) after its start is named in a TIMEOUT line, killed
// with what it started, and counted failed (test/lane-limit.mjs): a host file as one command, each file of the
// other lane as the child process its `node --test` runs it in.
// SIGINT/SIGTERM (a CI timeout): no new files start, the running ones are killed and their output so far printed,
// then what they left is killed and their temp dirs removed as after any file, and the run fails. A second signal
// SIGKILLs at once, synchronously, every running file's process group, what is in their cgroups and the other lane,
// removes the runner's temp dir (best effort) and exits; cgroups left busy then go at the next run's start.
import { spawn } from 'node:child_process';
import { afterFile, isolation, isolationUnavailable, pool, runFile } from './lanes.mjs';
import { interrupt, killRunningNow } from './lane-collect.mjs';
import { cgroupMounts, reapStaleSubtrees } from './lane-cgroups.mjs';
import { tempDirs } from './lane-tmp.mjs';
import { fileLimitMs, watchFileProcesses } from './lane-limit.mjs';

/**
 * Runs the lanes: `hostArgv(file, worker)` is the command of one host file, `otherArgv()` that of the other lane;
 * `label(file)` names a file in messages; `limitFor(file)` is a file's limit in ms (the script path of an other-lane
 * file's process; fileLimitMs() for every file by default). Resolves { hostCodes, otherCodes, failed: labels of host files that
 * failed, timedOut: labels of the files killed at the limit (both lanes), width, isolated, seconds: { host, other },
 * interrupted: the signal, if one came }.
 */
export async function runLanes({ host, rest, hostArgv, otherArgv, label, cwd, width: wanted = 3, limitFor }) {
  const t0 = Date.now();
  const seconds = {};
  const timed = (name, p) => p.then((codes) => { seconds[name] = (Date.now() - t0) / 1000; return codes; });
  const tmp = tempDirs();
  const unavailable = host.length > 0 ? isolationUnavailable() : undefined;
  if (unavailable) console.log(`test lanes: ${unavailable}: host-network files run one at a time in the host's namespaces`);
  const root = process.platform === 'linux' && process.getuid?.() === 0;
  if (root) {
    const { removed, left, busy } = await reapStaleSubtrees(cgroupMounts());
    if (removed.length > 0) console.log(`test lanes: cgroups of runners that are gone: ${removed.join(' ')}${left.length > 0 ? `; killed ${left.join(', ')}` : ''}${busy.length > 0 ? `; still busy: ${busy.join(' ')}` : ''}`);
  }
  const tracked = root ? isolation({ namespaces: false, asideDir: tmp.root }) : undefined;
  const iso = unavailable ? tracked : isolation({ asideDir: tmp.root });
  if (!iso?.tracking) console.log(`test lanes: ${root ? 'no cgroup hierarchy' : 'not root'}: leaks not tracked (what a file leaves running is not found or killed)`);
  const width = unavailable ? 1 : wanted;
  const failed = [];
  const timedOut = [];
  const limitMs = fileLimitMs();
  const limitOf = limitFor ?? (() => limitMs);
  let interrupted;
  let otherChild;
  const other = rest.length === 0 ? Promise.resolve([0]) : new Promise((resolve) => {
    const name = `wincri-test-${process.pid}-other`;
    const argv = otherArgv();
    let dir;
    try {
      dir = tmp.make('other');
      const [cmd, args] = tracked ? tracked.wrap(name, argv) : [argv[0], argv.slice(1)];
      otherChild = spawn(cmd, args, { stdio: 'inherit', cwd, env: { ...process.env, TMPDIR: dir } });
    } catch (e) {
      otherChild = undefined;
      console.log(`test lanes: the other lane could not run: ${e.message}`);
    }
    const unwatch = otherChild ? watchFileProcesses(otherChild.pid, limitMs, (file, killed, ms) => {
      timedOut.push(label(file));
      console.log(`test lanes: TIMEOUT: ${label(file)} (other lane) still running ${ms / 1000} s after its start (WINCRI_TEST_FILE_TIMEOUT_S): killed ${killed.join(', ')}`);
    }, { limitFor: limitOf }) : () => undefined;
    let ended = false;
    const done = async (code) => {
      if (ended) return;
      ended = true;
      unwatch();
      const ok = await afterFile('the other lane', name, { iso: tracked, tmp, dir, interrupted: () => interrupted });
      resolve([ok ? code : 1]);
    };
    if (!otherChild) done(1);
    otherChild?.on('error', (e) => { console.log(`test lanes: the other lane could not run: ${e.message}`); done(1); })
      .on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
  const onSignal = (sig) => {
    if (interrupted) {
      console.log(`\ntest lanes: ${sig} again: killing everything now`);
      killRunningNow();
      for (const i of new Set([iso, tracked])) i?.killNow();
      try { otherChild?.kill('SIGKILL'); } catch { /* gone */ }
      const kept = tmp.close();
      if (kept) console.log(`test lanes: temp dir ${kept}`);
      process.exit(1);
    }
    interrupted = sig;
    console.log(`\ntest lanes: ${sig}: stopping the running files`);
    interrupt();
    otherChild?.kill('SIGTERM');
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  // Each file's output is printed in one piece when it ends (TAP or spec of files running at once would interleave).
  // Whatever goes wrong around a file makes it fail with the reason printed; its cleanup always runs.
  const hostJobs = host.map((file, i) => async (w) => {
    const code = await runFile(label(file), i, hostArgv(file, w, i), { cwd, iso, tmp, interrupted: () => interrupted, timedOut: (l) => timedOut.push(l), limitMs: limitOf(file) });
    if (code !== 0) failed.push(label(file));
    return code;
  });
  const [hostCodes, otherCodes] = await Promise.all([timed('host', pool(hostJobs, width, () => interrupted)), timed('other', other)]);
  const kept = tmp.close();
  if (kept) console.log(`test lanes: temp dir ${kept}`);
  process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  return { hostCodes, otherCodes, failed, timedOut, width, isolated: !unavailable, seconds, interrupted };
}
