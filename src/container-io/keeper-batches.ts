/**
 * A container output stream read in batches: everything that arrived while the previous batch was being written
 * comes as one array of chunks, so a fast writer costs one journal write, one file write and one acknowledgement
 * per batch instead of per socket read (64 KiB). The chunks are the stream's own buffers (no copy). Reading stops
 * while HIGH bytes wait for the writer, so backpressure still reaches the pipe.
 */
import type { Readable } from 'node:stream';

const HIGH = 1024 * 1024;

/** The attach fan-out: it sees each chunk as it arrives; while `paced()`, a batch is one chunk. */
export interface Tap { onChunk(b: Buffer): void; paced(): boolean }

/**
 * Yields the chunks queued since the last batch; ends with the stream, throws its error (or a premature close).
 * With a tap that is `paced()` (attachers are there), the stream is paused after each chunk until the consumer
 * takes it: the log then advances a chunk per write, as fast as an attach socket drains, where whole batches sent on
 * at once made a reading attacher fall behind the log until it was dropped as a slow one.
 */
export async function* batches(source: Readable, tap?: Tap, high = HIGH): AsyncGenerator<Buffer[]> {
  let queue: Buffer[] = [];
  let bytes = 0;
  let done: 'end' | 'close' | undefined;
  let error: unknown;
  let wake: (() => void) | undefined;
  const poke = () => { const w = wake; wake = undefined; w?.(); };
  const onData = (c: Buffer | string) => {
    const b = typeof c === 'string' ? Buffer.from(c) : c;
    tap?.onChunk(b);
    queue.push(b);
    bytes += b.length;
    if (bytes >= high || tap?.paced()) source.pause();
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
      if (done === 'close') throw new Error('the stream closed before its end');
      await new Promise<void>((r) => { wake = r; });
    }
  } finally {
    source.off('data', onData).off('end', onEnd).off('close', onClose).off('error', onError);
  }
}
