/**
 * A readable stream read in batches: everything that arrived while the consumer was busy with the previous batch
 * comes as one array of chunks (the stream's own buffers, no copy), so a fast producer costs the consumer one step
 * per batch instead of one per read (a read is at most 64 KiB). Reading pauses while `high` bytes wait for the
 * consumer, so backpressure still reaches the producer. Used by the IO keeper's log writer
 * (container-io/keeper-batches.ts) and the layer download (images/pull/body-batches.ts).
 */
import type { Readable } from 'node:stream';

/** Sees each chunk as it arrives; while `paced()`, the stream pauses after every chunk (a batch is one chunk). */
export interface Tap { onChunk(b: Buffer): void; paced(): boolean }

export interface BatchOptions {
  high: number;
  tap?: Tap;
  /** The error thrown when the stream closes before its end. */
  prematureClose: () => Error;
}

/** Yields the chunks queued since the last batch (never an empty one); ends with the stream, throws its error or `prematureClose()`. */
export async function* streamBatches(source: Readable, o: BatchOptions): AsyncGenerator<Buffer[]> {
  let queue: Buffer[] = [];
  let bytes = 0;
  let done: 'end' | 'close' | undefined;
  let error: unknown;
  let wake: (() => void) | undefined;
  const poke = () => { const w = wake; wake = undefined; w?.(); };
  const onData = (c: Buffer | string) => {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    o.tap?.onChunk(b);
    queue.push(b);
    bytes += b.length;
    if (bytes >= o.high || o.tap?.paced()) source.pause();
    poke();
  };
  const onEnd = () => { done = 'end'; poke(); };
  const onClose = () => { done ??= 'close'; poke(); };
  const onError = (e: unknown) => { error ??= e; poke(); };
  source.on('data', onData).on('end', onEnd).on('close', onClose).on('error', onError);
  try {
    for (;;) {
      if (queue.length > 0) {
        const out = queue;
        queue = [];
        bytes = 0;
        if (!done && source.isPaused()) source.resume();
        yield out;
        continue;
      }
      if (error !== undefined) throw error;
      if (done === 'end') return;
      if (done === 'close') throw o.prematureClose();
      await new Promise<void>((r) => { wake = r; });
    }
  } finally {
    source.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onError);
  }
}
