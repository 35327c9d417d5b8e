// Preloaded into the process of every test file by test/run.mjs (`--import`; node --test passes it on to the
// process it runs each file in). Once node:test has run all of a file's tests it runs the file's global after()
// hooks, this one last; from then on the process has WINCRI_TEST_EXIT_GRACE_S seconds (default 60; read then, so a
// file may set its own in process.env) to exit. Still alive then — a handle left open (a timer, a socket, a server,
// a child process) keeps its event loop running — it says which file it is and what is still open (HUNG), adds the
// file to WINCRI_TEST_HUNG_LOG (a file test/run.mjs names in its summary) and exits with status 1: the file fails at
// once instead of holding the run until the per-file limit (test/lane-limit.mjs). A test that starts or ends
// meanwhile (one the file adds later) starts the grace again. Only in the main thread of a test file's own process
// (node --test marks it with NODE_TEST_CONTEXT; its script is the file): not in the runner's `node --test`, a worker,
// or a helper.
// The watch's after() hook is added when the file's first test starts. A global after() hook the file adds later
// than that (from inside a test, or top-level code that runs after an await past the first test) runs after the
// watch has armed: its time counts against the grace, and one that takes longer than the grace makes the file HUNG.
import { appendFileSync } from 'node:fs';
import { AsyncResource } from 'node:async_hooks';
import { isMainThread } from 'node:worker_threads';

const file = process.argv[1] ?? '';
if (isMainThread && process.env.NODE_TEST_CONTEXT && /\.test\.[cm]?js$/.test(file)) {
  const { after, beforeEach, afterEach } = await import('node:test');
  const grace = () => {
    const s = Number(process.env.WINCRI_TEST_EXIT_GRACE_S);
    return (Number.isFinite(s) && s > 0 ? s : 60) * 1000;
  };
  // node:test adds a hook to the test it is called in: the watch is added from outside every test (this scope, made
  // before any), to the file's top level, once the file's first test starts — after the file's own global after()
  // hooks, which its top-level code added before.
  const outside = new AsyncResource('wincri-exit-watch');
  let active = 0; // when a test last started or ended
  let added = false;
  beforeEach(() => {
    active = Date.now();
    if (!added) outside.runInAsyncScope(() => after(watch));
    added = true;
  });
  afterEach(() => { active = Date.now(); });
  let armed = false;
  const watch = () => {
    if (armed) return;
    armed = true;
    const graceMs = grace();
    const arm = (from) => setTimeout(() => {
      if (active > from) { arm(active); return; }
      process.stderr.write(`test lanes: HUNG: ${file}: its tests and after() hooks ended ${graceMs / 1000} s ago and its process has not `
        + `exited (WINCRI_TEST_EXIT_GRACE_S); still open: ${stillOpen().join(', ') || 'nothing node names'}; ending it\n`);
      if (process.env.WINCRI_TEST_HUNG_LOG) try { appendFileSync(process.env.WINCRI_TEST_HUNG_LOG, `${file}\n`); } catch { /* the summary misses it */ }
      process.exit(1);
    }, Math.max(0, from + graceMs - Date.now())).unref();
    arm(Date.now());
  };
}

/** What keeps the event loop alive, named: handles other than the process's stdio, and the timers. */
function stillOpen() {
  const stdio = new Set([process.stdin, process.stdout, process.stderr]);
  const named = (process._getActiveHandles?.() ?? []).filter((h) => !stdio.has(h)).map((h) => {
    const kind = h?.constructor?.name ?? typeof h;
    if (kind === 'ChildProcess') return `child process ${h.pid} (${(h.spawnargs ?? []).join(' ').slice(0, 80)})`;
    if (kind === 'Server') { const a = h.address?.(); return `server ${typeof a === 'string' ? a : a ? `${a.address}:${a.port}` : ''}`.trim(); }
    if (kind === 'Socket') return h.remotePort ? `socket to ${h.remoteAddress}:${h.remotePort}` : 'socket';
    return kind;
  });
  const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  return timers > 0 ? [...named, `${timers} timer${timers > 1 ? 's' : ''}`] : named;
}
