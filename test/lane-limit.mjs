// The per-file wall-clock limit of the test runner (test/lanes.mjs, lane-run.mjs). node:test's own per-test timeout
// (--test-timeout, 300 s in test/run.mjs) cancels a test, but a file whose process a leaked handle keeps alive after
// its tests, or one stuck outside any test, runs on, and the run with it until CI's limit. test/file-exit-watch.mjs
// ends most such files soon after their tests; this is the backstop: a file still running WINCRI_TEST_FILE_TIMEOUT_S
// seconds (default 1800: above what a file's own limits allow, e.g. a long file's several tests of up to 300 s each)
// after it started is named in a TIMEOUT line, killed with what it started, and counted failed, and the run goes on.
// A host file is one command (test/lane-collect.mjs kills its cgroups and process group); the other lane's
// `node --test` runs each file in a child process of its own, watched here.
import { readdirSync, readFileSync } from 'node:fs';
import { describeProcess } from './lane-cgroups.mjs';

/** The limit, from WINCRI_TEST_FILE_TIMEOUT_S (seconds; default 1800). */
export function fileLimitMs(env = process.env) {
  const s = Number(env.WINCRI_TEST_FILE_TIMEOUT_S);
  return (Number.isFinite(s) && s > 0 ? s : 1800) * 1000;
}

/** The children of process `pid` now (those of each of its threads); undefined when /proc does not tell. */
function childrenOf(pid) {
  let tasks;
  try { tasks = readdirSync(`/proc/${pid}/task`); } catch { return undefined; }
  const out = [];
  for (const t of tasks) {
    try { out.push(...readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean).map(Number)); } catch { /* gone */ }
  }
  return out;
}

/** The start time of process `pid` in clock ticks (tells a reused pid apart); undefined once it is gone. */
function startOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]; // after "pid (comm) ": state ppid ... starttime
  } catch { return undefined; }
}

/** `pid` and every process below it now (by parent: a daemon re-parented away is not among them). */
function tree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(childrenOf(out[i]) ?? []));
  return out;
}

/** The test file a file process runs: the last argument of its command line naming a script. */
function fileOf(pid) {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return argv.findLast((a) => /\.[cm]?js$/.test(a)) ?? argv.join(' ');
  } catch { return `[${pid}]`; }
}

/**
 * Watches the file processes of one `node --test` process `pid` (its children, read from
 * /proc/<pid>/task/<tid>/children every `everyMs`): one running for longer than its limit (`limitFor(file)`, the
 * file its command line names; `limitMs` for every file by default) is killed (SIGKILL) with the processes below it
 * at that moment, by parent pid (a daemon that re-parented itself away is not among them: the lane's cgroup cleanup
 * catches it when the lane ends, test/lanes.mjs afterFile), and `onTimeout(file, killed, ms)` hears which file it ran,
 * the processes killed, named, and its limit. node:test then counts that file failed and runs the next. Where /proc
 * does not list children (no /proc, or a kernel without them), nothing is watched. Returns stop().
 */
export function watchFileProcesses(pid, limitMs, onTimeout, { everyMs = Math.min(2000, Math.max(100, limitMs / 4)), limitFor = () => limitMs } = {}) {
  if (!readableChildren(pid)) return () => undefined;
  const seen = new Map(); // `${pid}:${start}` of a child → { since: when first seen, file, ms: its limit }
  const check = () => {
    const now = Date.now();
    const live = new Set();
    for (const child of childrenOf(pid) ?? []) {
      const start = startOf(child);
      if (start === undefined) continue;
      const key = `${child}:${start}`;
      live.add(key);
      let f = seen.get(key);
      if (!f) { const file = fileOf(child); f = { since: now, file, ms: limitFor(file) }; seen.set(key, f); }
      if (now - f.since < f.ms) continue;
      seen.delete(key);
      const pids = tree(child);
      const killed = pids.map(describeProcess);
      for (const p of pids) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
      onTimeout(f.file, killed, f.ms);
    }
    for (const key of seen.keys()) if (!live.has(key)) seen.delete(key);
  };
  const timer = setInterval(() => { try { check(); } catch { /* /proc changed under the read: the next check */ } }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Whether the kernel lists a process's children (/proc/<pid>/task/<pid>/children: CONFIG_PROC_CHILDREN). */
function readableChildren(pid) {
  try { readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8'); return true; } catch { return false; }
}
