/**
 * unpackLayer() on a worker thread, fed from the parent's source.
 *
 * The uncompressed side of a layer (gunzip, diff-ID sha256 over every expanded byte, tar parsing, the file
 * writes) is twice as many bytes as the compressed one and was the daemon's main-thread bottleneck: it hashed
 * ~1 GB, and the garbage collector ran a full collection every ~14 MB of gunzip output on the daemon's heap. Here
 * each layer is unpacked on a worker (small heap, cheap collections, a second CPU; reused by later layers:
 * unpack-pool.ts) while the main thread only forwards bytes. With `blobPath` the worker also hashes the input
 * and writes it to that file (blob-tee.ts). A registry download is fetched by the worker itself instead
 * (unpack-remote.ts): its socket buffers never reach the daemon's heap.
 *
 * Batches are handed over when BATCH bytes are gathered or FLUSH_MS after a batch's first chunk (chunk-batches.ts);
 * owned chunks are transferred, not copied (hand-over.ts). The parent keeps at most WINDOW bytes unacknowledged.
 * Errors keep their kind (LayerError, TarFormatError, zlib codes; worker-errors.ts) so callers map them as they
 * would in-process ones. Protocol: unpack-protocol.ts; the worker side: unpack-thread.ts.
 */
import type { BlobDigest } from './blob-tee.js';
import { batches, BATCH_BYTES, FLUSH_MS } from './chunk-batches.js';
import { handOver } from './hand-over.js';
import { WorkerJob } from './unpack-job.js';
import { bytesOf } from './unpack-inputs.js';
import type { WorkerUnpackResult } from './unpack-protocol.js';

export type { WorkerUnpackResult } from './unpack-protocol.js';
export { handOver } from './hand-over.js';

const WINDOW = 8 * 1024 * 1024;

/** The digest and size of the whole input of an unpack that failed (when the worker took it all in). */
export function failedBlobOf(e: unknown): BlobDigest | undefined {
  return (e as { wincriBlob?: BlobDigest } | undefined)?.wincriBlob;
}

export interface UnpackInWorkerOptions {
  maxBytes?: number;
  /** Also write the input to this file (flushed), its digest and size in `result.blob`. */
  blobPath?: string;
  /** Hash the input (its digest and size in `result.blob`) without writing it anywhere. */
  hashBlob?: boolean;
  /**
   * The source's chunks belong to this unpack (nobody reads them afterwards, as an HTTP body's): chunks that are a
   * whole ArrayBuffer are transferred to the worker instead of copied, and are detached here.
   */
  ownedChunks?: boolean;
}

/**
 * Unpacks like unpackLayer(), on a worker thread. Stops the worker (and its writes) if `source` fails. With
 * `blobPath`, the input is also written there (flushed to disk) and its digest and size are in `result.blob`;
 * the file is removed when the unpack fails.
 */
export async function unpackLayerInWorker(source: AsyncIterable<Buffer>, staging: string, opts: UnpackInWorkerOptions = {}): Promise<WorkerUnpackResult> {
  let unacked = 0;
  let wake: (() => void) | undefined;
  const job = new WorkerJob(
    { staging, maxBytes: opts.maxBytes, blobPath: opts.blobPath, hashBlob: opts.hashBlob },
    (m) => { if ('ack' in m) { unacked -= m.ack; wake?.(); } },
    () => wake?.(),
  );
  try {
    // The batches stop as soon as the worker has answered: a feed waiting for a slow source stops right away.
    for await (const parts of batches(source, { bytes: BATCH_BYTES, ms: FLUSH_MS, stop: job.done })) {
      if (job.answered) break;
      const data = handOver(parts, opts.ownedChunks === true);
      unacked += bytesOf(parts);
      job.post({ data }, data);
      while (unacked > WINDOW && !job.answered) await new Promise<void>((res) => { wake = res; });
    }
    if (!job.answered) job.post({ end: true });
  } catch (e) {
    job.post({ abort: (e as Error)?.message ?? String(e) });
    await job.done.catch(() => undefined);
    await job.kill();
    throw e;
  }
  return job.finish();
}
