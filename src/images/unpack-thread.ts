/**
 * The worker side of a layer unpack (unpack-worker.ts, unpack-remote.ts): for each job, its input (batches the
 * parent posts, or a registry download the worker makes itself: pull/remote-layer.ts) → teed into the blob file
 * → unpackLayer → result; then it waits for the next job. A worker is reused only after a result, which it answers
 * once it has taken in the whole input.
 */
import { parentPort, isMainThread, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { unpackLayer } from './layer.js';
import { BlobTee, type BlobDigest } from './blob-tee.js';
import { toWorkerError } from './worker-errors.js';
import { forwardLogs } from '../util/log.js';
import { relayReply, endRemoteJob } from './pull/remote-layer.js';
import { postedInput, fetchedInput } from './unpack-inputs.js';
import type { ToWorker, FromWorker, UnpackJob, WorkerUnpackResult } from './unpack-protocol.js';


/** Serves jobs on this worker thread until the parent terminates it. */
export async function serveUnpacks(): Promise<void> {
  const port = parentPort!;
  // Lines of this thread (a layer source that failed, a retried request) are the daemon's to write: its level and sinks.
  forwardLogs((line) => port.postMessage({ log: line } satisfies FromWorker));
  const queue: ToWorker[] = [];
  let wake: (() => void) | undefined;
  port.on('message', (m: ToWorker) => {
    if ('authReply' in m) { relayReply(m.authReply); return; }
    queue.push(m);
    wake?.();
  });
  const next = async (): Promise<ToWorker> => {
    while (queue.length === 0) await new Promise<void>((r) => { wake = r; });
    return queue.shift()!;
  };
  for (;;) {
    const m = await next();
    if ('job' in m) {
      try { await runJob(m.job, next, port); } finally { endRemoteJob(); }
    }
    // Anything else belongs to no job (none is sent between jobs): ignored rather than read as input.
  }
}

async function runJob(job: UnpackJob, next: () => Promise<ToWorker>, port: MessagePort): Promise<void> {
  const { staging, maxBytes, blobPath, hashBlob } = job;
  let tee: BlobTee | undefined;
  let inputFailed = false;
  const read = job.remote ? fetchedInput(job, port) : postedInput(next, port);
  /** The next batch (hashed and written to the blob), or undefined at the end of the input. */
  const nextChunk = async (): Promise<Buffer[] | undefined> => {
    let bufs: Buffer[] | undefined;
    try { bufs = await read(); } catch (e) { inputFailed = true; throw e; }
    if (bufs) tee?.update(bufs);
    return bufs;
  };
  async function* input(): AsyncGenerator<Buffer> {
    for (let bufs = await nextChunk(); bufs; bufs = await nextChunk()) {
      // One buffer per batch: gunzip takes one thread-pool step per input chunk it is given.
      const b = bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs);
      if (b.length) yield b;
    }
  }
  const takeRest = async () => { while (await nextChunk()); };
  try {
    if (blobPath !== undefined || hashBlob) tee = new BlobTee(blobPath);
    const result: WorkerUnpackResult = await unpackLayer(input(), staging, maxBytes === undefined ? {} : { maxBytes });
    // Whatever follows the end of the tar stream is part of the blob too; and the input is taken in up to its
    // end either way, so that nothing of this job is left for the next.
    await takeRest();
    if (tee) {
      const t0 = performance.now();
      result.blob = tee.finish();
      result.blobSyncMs = Math.round(performance.now() - t0);
    }
    port.postMessage({ result } satisfies FromWorker);
  } catch (e) {
    let err: unknown = e;
    let blob: BlobDigest | undefined;
    const err0 = e as NodeJS.ErrnoException;
    const corrupt = String(err0?.code ?? '').startsWith('Z_') || String(err0?.message ?? '').startsWith('layer tar: ');
    if (tee && !inputFailed && corrupt) {
      // Bytes that are not what the descriptor names are the usual cause of a gzip or tar format error: take in
      // the rest so the parent can tell a digest mismatch (the registry sent wrong bytes) from a bad layer.
      // Other errors (hostile entries, size limits: well-formed content) fail at once.
      try {
        await takeRest();
        blob = tee.digestSoFar();
      } catch (inputErr) {
        // The input failed as well (a download cut short or too long, a registry that stayed unavailable): its
        // error is the cause the client must see, not the format error its truncated bytes made.
        err = inputErr;
      }
    }
    tee?.discard();
    port.postMessage({ error: toWorkerError(err, blob) } satisfies FromWorker);
    // The parent terminates a worker that answered an error.
  }
}

if (!isMainThread && (workerData as { wincriUnpack?: boolean } | undefined)?.wincriUnpack) void serveUnpacks();
