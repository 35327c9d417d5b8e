/**
 * Layer unpack workers kept for the next layer. A fresh worker per layer paid its start (bootstrap, loading the
 * unpack modules) and its JIT warm-up every time: in a profile of a 5-layer pull, compiling on V8's platform
 * thread and the workers' start-up were about a tenth of the daemon's CPU. A worker that finished a layer
 * cleanly waits here (unreferenced: it keeps no process alive) for IDLE_MS, at most MAX_IDLE of them; a worker
 * whose unpack failed or was aborted is terminated, never reused.
 */
import { Worker } from 'node:worker_threads';

// Long enough for the layers of one pull and for pulls that follow each other; short enough that an idle daemon's
// memory (a worker holds several MiB) is back to its floor within seconds of the last pull.
const IDLE_MS = 5_000;
const MAX_IDLE = 4;

interface Idle { worker: Worker; timer: NodeJS.Timeout; onExit: () => void }
const idle: Idle[] = [];
const ignoreError = () => undefined;

function drop(entry: Idle): void {
  const i = idle.indexOf(entry);
  if (i >= 0) idle.splice(i, 1);
  clearTimeout(entry.timer);
  entry.worker.off('exit', entry.onExit);
  entry.worker.off('error', ignoreError);
}

/** An idle worker, or a new one running `script` (which serves unpack jobs). */
export function takeWorker(script: URL): Worker {
  const entry = idle.pop();
  if (entry) {
    drop(entry);
    entry.worker.ref();
    return entry.worker;
  }
  return new Worker(script, { workerData: { wincriUnpack: true } });
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
  worker.on('exit', entry.onExit);
  worker.on('error', ignoreError); // a worker dying while idle is just dropped
  idle.push(entry);
}

/** Workers waiting now (tests). */
export function idleWorkers(): number {
  return idle.length;
}
