/**
 * Layer unpack workers kept for the next layer. A fresh worker per layer paid its start (bootstrap, loading the
 * unpack modules) and its JIT warm-up every time: in a profile of a 5-layer pull, compiling on V8's platform
 * thread and the workers' start-up were about a tenth of the daemon's CPU. A worker that finished a layer
 * cleanly waits here (unreferenced: it keeps no process alive) for IDLE_MS, at most MAX_IDLE of them; a worker
 * whose unpack failed or was aborted is terminated, never reused.
 */
import { Worker } from 'node:worker_threads';
import { logger } from '../util/log.js';
import { errorMessage } from '../errors.js';

const log = logger('images');

// Long enough for the pulls a node makes one after another (a pod's images, a rollout) to find warm workers: with
// 5 s, a worker of one pull had usually gone before the next pull started, and each pull paid start-up and a
// cold JIT again in up to four workers (its optimised code is the worker's own). Short enough that an idle
// daemon's memory (a worker holds several MiB) is back to its floor a minute after the last pull.
export const IDLE_MS = 60_000;
const MAX_IDLE = 4;

interface Idle { worker: Worker; timer: NodeJS.Timeout; onExit: () => void }
const idle: Idle[] = [];
let created = 0;

function drop(entry: Idle): void {
  const i = idle.indexOf(entry);
  if (i >= 0) idle.splice(i, 1);
  clearTimeout(entry.timer);
  entry.worker.off('exit', entry.onExit);
}

/** An idle worker, or a new one running `script` (which serves unpack jobs). */
export function takeWorker(script: URL): Worker {
  const entry = idle.pop();
  if (entry) {
    drop(entry);
    entry.worker.ref();
    return entry.worker;
  }
  const worker = new Worker(script, { workerData: { wincriUnpack: true } });
  created++;
  // For the worker's whole life, whoever else listens: an 'error' with no listener (a worker dying idle, or after
  // its job detached and before terminate() ends it) would be an uncaught exception in the daemon. Jobs add their
  // own listener to fail the unpack.
  worker.on('error', (e) => log.warn('layer unpack worker error', { threadId: worker.threadId, err: errorMessage(e) }));
  return worker;
}

/** Keeps a worker whose last job ended with a result (it holds nothing of that job) for the next one. */
export function giveBack(worker: Worker): void {
  if (idle.length >= MAX_IDLE) { void worker.terminate(); return; }
  worker.unref();
  const entry: Idle = {
    worker,
    timer: setTimeout(() => { drop(entry); void worker.terminate(); }, IDLE_MS).unref(),
    onExit: () => drop(entry),
  };
  worker.on('exit', entry.onExit); // a worker dying while idle is just dropped
  idle.push(entry);
}

/** Workers started so far (tests: reuse starts none). */
export function workersCreated(): number {
  return created;
}

/** Workers waiting now (tests). */
export function idleWorkers(): number {
  return idle.length;
}
