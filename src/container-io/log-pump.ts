/**
 * Draining a container's output stream in batches: the stream is read while the previous batch is being
 * written, and whatever arrived meanwhile is written next as one batch (one set of records, one file write).
 * Awaiting each chunk's write before reading the next (as a `for await` loop does) left the stream's 16 KiB
 * buffer full during every write, so the producer, the relay and the writer took turns instead of overlapping,
 * with a context switch and a small write per 64 KiB.
 *
 * Backpressure stays: the stream is paused while MAX_PENDING bytes wait for the write in flight, so a slow
 * disk still slows the producer (through the relay and the pipe) instead of growing a buffer.
 */
import { finished, type Readable } from 'node:stream';

export const MAX_PENDING = 256 * 1024;

/**
 * Reads `source` to its end. `onChunk` sees every chunk as it arrives; `write` gets the chunks gathered since the
 * previous write started (never while one is in flight; it must not reject — handle write errors inside).
 * Resolves when the stream ended and every batch was written; rejects with the stream's error (after the
 * batches received before it were written).
 */
export function drainInBatches(source: Readable, onChunk: (chunk: Buffer) => void, write: (chunks: Buffer[]) => Promise<void>, maxPending = MAX_PENDING): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let writing = false;
    let pausedByUs = false;
    let ended = false;
    let endError: unknown;
    const next = () => {
      if (writing) return;
      if (pendingBytes === 0) {
        if (ended) { if (endError !== undefined) reject(endError); else resolve(); }
        return;
      }
      const batch = pending;
      pending = [];
      pendingBytes = 0;
      writing = true;
      if (pausedByUs && !ended) { pausedByUs = false; source.resume(); }
      write(batch).catch(() => undefined).finally(() => { writing = false; next(); });
    };
    source.on('data', (chunk: Buffer | string) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      onChunk(b);
      if (b.length === 0) return;
      pending.push(b);
      pendingBytes += b.length;
      if (pendingBytes >= maxPending && writing) { pausedByUs = true; source.pause(); }
      next();
    });
    finished(source, (err) => {
      ended = true;
      endError = err ?? undefined;
      next();
    });
  });
}
