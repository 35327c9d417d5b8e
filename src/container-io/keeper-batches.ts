/**
 * A container output stream read in batches (util/stream-batches.ts): everything that arrived while the previous batch was being written
 * comes as one array of chunks, so a fast writer costs one journal write, one file write and one acknowledgement
 * per batch instead of per socket read (64 KiB). The chunks are the stream's own buffers (no copy). Reading stops
 * while HIGH bytes wait for the writer, so backpressure still reaches the pipe.
 */
import type { Readable } from 'node:stream';
import { streamBatches, type Tap } from '../util/stream-batches.js';

export type { Tap };

const HIGH = 1024 * 1024;

/**
 * Yields the chunks queued since the last batch; ends with the stream, throws its error (or a premature close).
 * With a tap that is `paced()` (attachers are there), the stream is paused after each chunk until the consumer
 * takes it: the log then advances a chunk per write, as fast as an attach socket drains, where whole batches sent on
 * at once made a reading attacher fall behind the log until it was dropped as a slow one.
 */
export function batches(source: Readable, tap?: Tap, high = HIGH): AsyncGenerator<Buffer[]> {
  return streamBatches(source, { high, tap, prematureClose: () => new Error('the stream closed before its end') });
}
