/**
 * Messages between a layer unpack's parent and its worker thread (unpack-worker.ts, unpack-thread.ts). Per job:
 * the parent posts `{ job }`, then `{ data: ArrayBuffer[] }` batches (transferred) and `{ end: true }` or
 * `{ abort: message }`; the worker acknowledges consumed bytes with `{ ack: n }` and finishes with `{ result }`
 * (only after it has taken in everything up to `end`, so a worker that answered a result holds nothing of that
 * job and can take the next) or `{ error }` (the parent then terminates it).
 */
import type { UnpackResult } from './layer.js';
import type { BlobDigest } from './blob-tee.js';

/** `blobSyncMs`: time the blob file's flush to disk took; `unpackMs`: the unpack's wall time, from handing the job to a worker. */
export type WorkerUnpackResult = UnpackResult & { blob?: BlobDigest; blobSyncMs?: number; unpackMs?: number };
/** `hashBlob`: hash the input (its digest and size in `result.blob`); `blobPath`: also write it to that file (implies hashing). */
export interface UnpackJob { staging: string; maxBytes?: number; blobPath?: string; hashBlob?: boolean }
export type ToWorker = { job: UnpackJob } | { data: ArrayBuffer[] } | { end: true } | { abort: string };
export type WorkerError = { name: string; message: string; code?: string; blob?: BlobDigest };
export type FromWorker = { ack: number } | { result: WorkerUnpackResult } | { error: WorkerError };
