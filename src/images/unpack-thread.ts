/**
 * The worker side of a layer unpack (unpack-worker.ts): for each job, messages → async iterable (teed into the
 * blob file) → unpackLayer → result; then it waits for the next job. A worker is reused only after a result, which
 * it answers once it has taken in the whole input (the `end` message included).
 */
import { parentPort, isMainThread, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { unpackLayer } from './layer.js';
import { BlobTee, type BlobDigest } from './blob-tee.js';
import type { ToWorker, FromWorker, UnpackJob, WorkerUnpackResult } from './unpack-protocol.js';

const bytesOf = (bufs: Buffer[]) => bufs.reduce((n, b) => n + b.length, 0);

/** Serves jobs on this worker thread until the parent terminates it. */
export async function serveUnpacks(): Promise<void> {
  const port = parentPort!;
  const queue: ToWorker[] = [];
  let wake: (() => void) | undefined;
  port.on('message', (m: ToWorker) => { queue.push(m); wake?.(); });
  const next = async (): Promise<ToWorker> => {
    while (queue.length === 0) await new Promise<void>((r) => { wake = r; });
    return queue.shift()!;
  };
  for (;;) {
    const m = await next();
    if ('job' in m) await runJob(m.job, next, port);
    // Anything else belongs to no job (none is sent between jobs): ignored rather than read as input.
  }
}

async function runJob(job: UnpackJob, next: () => Promise<ToWorker>, port: MessagePort): Promise<void> {
  const { staging, maxBytes, blobPath, hashBlob } = job;
  let tee: BlobTee | undefined;
  let ended = false;
  let inputFailed = false;
  /** The next batch (hashed and written to the blob), or undefined at the end of the input. */
  const nextChunk = async (): Promise<Buffer[] | undefined> => {
    if (ended) return undefined;
    const m = await next();
    if ('end' in m) { ended = true; return undefined; }
    if ('abort' in m) { inputFailed = true; throw new Error(`input failed: ${m.abort}`); }
    if ('job' in m) { inputFailed = true; throw new Error('a new job arrived before the input ended'); }
    const bufs = m.data.map((ab) => Buffer.from(ab));
    tee?.update(bufs);
    return bufs;
  };
  async function* input(): AsyncGenerator<Buffer> {
    for (let bufs = await nextChunk(); bufs; bufs = await nextChunk()) {
      // One buffer per batch: gunzip takes one thread-pool step per input chunk it is given.
      const b = bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs);
      if (b.length) yield b;
      port.postMessage({ ack: b.length } satisfies FromWorker);
    }
  }
  const takeRest = async () => { for (let b = await nextChunk(); b; b = await nextChunk()) port.postMessage({ ack: bytesOf(b) } satisfies FromWorker); };
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
      } catch { /* the input failed as well: its own error reaches the parent */ }
    }
    tee?.discard();
    const err = e as NodeJS.ErrnoException;
    port.postMessage({ error: { name: err?.name ?? 'Error', message: err?.message ?? String(e), ...(err?.code !== undefined ? { code: err.code } : {}), ...(blob ? { blob } : {}) } } satisfies FromWorker);
    // The parent terminates a worker that answered an error.
  }
}

if (!isMainThread && (workerData as { wincriUnpack?: boolean } | undefined)?.wincriUnpack) void serveUnpacks();
