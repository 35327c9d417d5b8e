// The per-file wall-clock limit of the test runner (test/lanes.mjs, lane-run.mjs). node:test's own per-test timeout
// (--test-timeout) cancels a test, but a file whose process a leaked handle keeps alive after its tests, or one
// stuck outside any test, runs on, and the run with it until CI's limit. test/file-exit-watch.mjs ends most such
// files soon after their tests; this is the backstop: a file still running WINCRI_TEST_FILE_TIMEOUT_S seconds
// (default 600) after it started is named in a TIMEOUT line, killed with what it started, and counted failed, and
// the run goes on. A host file is one command (test/lane-collect.mjs kills its cgroups and process group); the
// other lane's `node --test` runs each file in a child process of its own, watched here.
import { readdirSync, readFileSync } from 'node:fs';
import { describeProcess } from './lane-cgroups.mjs';

/** The limit, from WINCRI_TEST_FILE_TIMEOUT_S (seconds; default 600). */
export function fileLimitMs(env = process.env) {
  const s = Number(env.WINCRI_TEST_FILE_TIMEOUT_S);
  return (Number.isFinite(s) && s > 0 ? s : 600) * 1000;
}

/** The processes now: pid → { ppid, start } (start: its start time in clock ticks, which tells a reused pid apart). */
function processTable() {
  const table = new Map();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) ": state ppid ...
      table.set(Number(e), { ppid: Number(f[1]), start: f[19] });
    } catch { /* gone */ }
  }
  return table;
}

/** `pid` and every process below it. */
function tree(pid, table) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [p, { ppid }] of table) if (ppid === out[i]) out.push(p);
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
 * Watches the file processes of one `node --test` process `pid` (its children): one running for longer than
 * `limitMs` is killed (SIGKILL) with every process below it, and `onTimeout(file, killed)` hears which file it ran
 * and the processes killed, named. node:test then counts that file failed and runs the next. Returns stop().
 */
export function watchFileProcesses(pid, limitMs, onTimeout, { everyMs = Math.min(2000, Math.max(100, limitMs / 4)) } = {}) {
  const seen = new Map(); // `${pid}:${start}` of a child → when first seen
  const check = () => {
    const table = processTable();
    const now = Date.now();
    for (const [child, { ppid, start }] of table) {
      if (ppid !== pid) continue;
      const key = `${child}:${start}`;
      const since = seen.get(key) ?? now;
      seen.set(key, since);
      if (now - since < limitMs) continue;
      seen.delete(key);
      const file = fileOf(child);
      const pids = tree(child, table);
      const killed = pids.map(describeProcess);
      for (const p of pids) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
      onTimeout(file, killed);
    }
    for (const key of seen.keys()) if (!table.has(Number(key.split(':')[0]))) seen.delete(key);
  };
  const timer = setInterval(check, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
