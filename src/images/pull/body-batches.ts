/**
 * A download's response body read in batches (util/stream-batches.ts): everything that arrived while the consumer was
 * busy with the previous batch comes as one array of chunks (the body's own buffers, no copy). Iterating the body chunk by chunk cost a
 * stream read, a promise and a hop through every generator of the download path (retries, source fallback, size
 * check, batching) per socket read of at most 64 KiB; and the response's 16 KiB high-water mark paused and resumed
 * the socket around each read. Here the body flows, and is paused only while HIGH bytes wait for the consumer,
 * so backpressure still reaches the socket.
 */
import type { Readable } from 'node:stream';
import { streamBatches } from '../../util/stream-batches.js';

export const BODY_HIGH = 1024 * 1024;

/** Yields the chunks queued since the last batch (never an empty one); ends with the body, throws its error (or a premature close). */
export function bodyBatches(source: Readable, high = BODY_HIGH): AsyncGenerator<Buffer[]> {
  // A close before the end is reported as the stream's own iterator reports it (a transient error: the download resumes).
  return streamBatches(source, { high, prematureClose: () => Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }) });
}

/** The bytes in a batch. */
export const batchBytes = (batch: readonly Buffer[]): number => batch.reduce((n, b) => n + b.length, 0);

/** The batch without its first `skip` bytes (views, no copy), and how many are still to skip after it. */
export function dropPrefix(batch: Buffer[], skip: number): [Buffer[], number] {
  let i = 0;
  while (i < batch.length && batch[i]!.length <= skip) skip -= batch[i++]!.length;
  if (i === batch.length) return [[], skip];
  return [[batch[i]!.subarray(skip), ...batch.slice(i + 1)], 0];
}
