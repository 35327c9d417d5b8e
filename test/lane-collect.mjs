// The running files of the test runner's host lane (test/lanes.mjs): each in a process group of its own, its output
// collected and printed in one piece when it ends; what an interrupt of the runner stops (the first SIGINT/SIGTERM
// asks them to end and reaps what they left; the second kills them at once, synchronously, before the runner exits).
import { spawn } from 'node:child_process';
import { fileLimitMs } from './lane-limit.mjs';

/** The files running now (label, output so far, child, reap): what `interrupt` and `killRunningNow` stop. */
const running = new Set();

/**
 * Runs `argv` in a process group of its own with its output (stdout and stderr) collected, printed in one piece
 * when it exits; resolves { code: its exit status, timedOut }. A process it left behind may hold the pipes open:
 * output is awaited `graceMs` (2 s) after the exit, then what it left is killed (`reap`: its cgroups; and its
 * process group) and the pipes closed. Still running `limitMs` after its start (test/lane-limit.mjs), it is named
 * in a TIMEOUT line and killed the same way (timedOut, status 1); once it has exited the limit no longer applies.
 */
export function runCollected(cmd, args, opts, { label = cmd, reap = async () => undefined, limitMs = fileLimitMs(), graceMs = 2000 } = {}) {
  return new Promise((resolve) => {
    const chunks = [];
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const run = { label, chunks, child, reap };
    running.add(run);
    let timer;
    let timedOut = false;
    const limit = setTimeout(async () => {
      timedOut = true;
      chunks.push(Buffer.from(`test lanes: TIMEOUT: ${label} still running ${limitMs / 1000} s after its start (WINCRI_TEST_FILE_TIMEOUT_S): killing it and what it started\n`));
      await reap().catch(() => undefined);
      killGroup(child);
    }, limitMs);
    const finish = (code) => {
      if (!running.delete(run)) return;
      clearTimeout(timer);
      clearTimeout(limit);
      child.stdout.destroy();
      child.stderr.destroy();
      process.stdout.write(Buffer.concat(chunks));
      resolve({ code: timedOut ? 1 : code, timedOut });
    };
    child.stdout.on('data', (d) => chunks.push(d));
    child.stderr.on('data', (d) => chunks.push(d));
    child.on('error', (e) => { chunks.push(Buffer.from(`${cmd}: ${e.message}\n`)); finish(1); });
    child.on('exit', (code, signal) => {
      // Exited in time: what it left holding the pipes is a LEAK (afterFile), not a TIMEOUT.
      clearTimeout(limit);
      const status = code ?? (signal ? 1 : 0);
      child.on('close', () => finish(status));
      timer = setTimeout(async () => {
        chunks.push(Buffer.from(`test lanes: ${label}: a process it left holds its output open ${graceMs / 1000} s after it exited; killing what it left\n`));
        await reap().catch(() => undefined);
        killGroup(child);
        finish(status);
      }, graceMs);
    });
  });
}

function killGroup(child) {
  try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
}

/** Stops every running file (SIGINT/SIGTERM of the runner): each one's output so far is printed as it ends. */
export function interrupt() {
  for (const { label, chunks, child, reap } of running) {
    chunks.push(Buffer.from(`test lanes: ${label}: interrupted\n`));
    killGroup(child);
    reap().catch(() => undefined);
  }
}

/** SIGKILLs the process group of every running file now (a second signal: the runner exits right after). */
export function killRunningNow() {
  for (const { child } of running) killGroup(child);
}
