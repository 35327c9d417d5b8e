/**
 * One job on a pooled unpack worker, from the parent's side: the worker taken from the pool (unpack-pool.ts), the
 * job posted, the answer awaited; then the worker goes back to the pool after a result, or is terminated after an
 * error, a death or a cancellation. The worker's log lines are written here (through the daemon's level and sinks);
 * messages other than the answer (acks, progress, auth requests) go to `onMessage`.
 */
import type { Worker } from 'node:worker_threads';
import { takeWorker, giveBack } from './unpack-pool.js';
import { fromWorkerError } from './worker-errors.js';
import { logForwarded } from '../util/log.js';
import type { ToWorker, FromWorker, UnpackJob, WorkerUnpackResult } from './unpack-protocol.js';

const THREAD = new URL('./unpack-thread.js', import.meta.url);

type Other = Exclude<FromWorker, { result: unknown } | { error: unknown } | { log: unknown }>;

export class WorkerJob {
  private readonly worker: Worker;
  private readonly started = performance.now();
  /** Settles with the worker's answer (or its death). */
  readonly done: Promise<WorkerUnpackResult>;
  answered = false;
  private readonly detach: () => void;

  constructor(job: UnpackJob, onMessage: (m: Other) => void, onAnswer?: () => void) {
    this.worker = takeWorker(THREAD);
    let onMsg!: (m: FromWorker) => void;
    let onError!: (e: Error) => void;
    let onExit!: (code: number) => void;
    this.done = new Promise<WorkerUnpackResult>((resolve, reject) => {
      const answer = () => { this.answered = true; onAnswer?.(); };
      onMsg = (m) => {
        if ('result' in m) { answer(); resolve(m.result); } else if ('error' in m) { answer(); reject(fromWorkerError(m.error)); } else if ('log' in m) logForwarded(m.log); else onMessage(m);
      };
      onError = (e) => { answer(); reject(e); };
      onExit = (code) => { answer(); reject(new Error(`layer unpack worker exited with code ${code}`)); };
      this.worker.on('message', onMsg).on('error', onError).on('exit', onExit);
    });
    this.detach = () => { this.worker.off('message', onMsg).off('error', onError).off('exit', onExit); };
    this.done.catch(() => undefined);
    this.post({ job });
  }

  post(m: ToWorker, transfer?: ArrayBuffer[]): void {
    this.worker.postMessage(m, transfer);
  }

  /** The result; the worker is pooled again (a result comes only after it took in its whole input), or terminated on an error. */
  async finish(): Promise<WorkerUnpackResult> {
    let result: WorkerUnpackResult;
    try {
      result = await this.done;
    } catch (e) {
      await this.kill();
      throw e;
    }
    this.detach();
    giveBack(this.worker);
    result.unpackMs = Math.round(performance.now() - this.started);
    return result;
  }

  /** Stops the worker (and whatever it was doing) for good. */
  async kill(): Promise<void> {
    this.detach();
    await this.worker.terminate();
  }
}
