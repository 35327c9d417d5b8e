/**
 * Messages between a layer unpack's parent and its worker thread (unpack-worker.ts, unpack-remote.ts,
 * unpack-thread.ts). Per job: the parent posts `{ job }`; for a job without `remote` it then posts
 * `{ data: ArrayBuffer[] }` batches (transferred) and `{ end: true }` or `{ abort: message }`, and the worker
 * acknowledges consumed bytes with `{ ack: n }`; a `remote` job fetches its input itself, reports the bytes received
 * with `{ got: n }` and asks for registry authorisation (`{ auth }`, `{ challenged }` → `{ authReply }`:
 * auth-relay.ts). The worker finishes with `{ result }` (only after it has taken in everything up to the end of
 * its input, so a worker that answered a result holds nothing of that job and can take the next) or `{ error }`
 * (the parent then terminates it). The worker's log lines travel as `{ log }` and are written by the parent.
 */
import type { UnpackResult } from './layer.js';
import type { BlobDigest } from './blob-tee.js';
import type { WorkerError } from './worker-errors.js';
import type { RemoteLayerSpec } from './pull/remote-layer.js';
import type { AuthRequest, AuthReply } from './pull/auth-relay.js';
import type { ForwardedLine } from '../util/log.js';

export type { WorkerError } from './worker-errors.js';

/** `blobSyncMs`: time the blob file's flush to disk took; `unpackMs`: the unpack's wall time, from handing the job to a worker. */
export type WorkerUnpackResult = UnpackResult & { blob?: BlobDigest; blobSyncMs?: number; unpackMs?: number };
/** `hashBlob`: hash the input (its digest and size in `result.blob`); `blobPath`: also write it to that file (implies hashing); `remote`: fetch the input from a registry. */
export interface UnpackJob { staging: string; maxBytes?: number; blobPath?: string; hashBlob?: boolean; remote?: RemoteLayerSpec }
export type ToWorker = { job: UnpackJob } | { data: ArrayBuffer[] } | { end: true } | { abort: string } | AuthReply;
export type FromWorker = { ack: number } | { got: number } | { result: WorkerUnpackResult } | { error: WorkerError } | { log: ForwardedLine } | AuthRequest;
