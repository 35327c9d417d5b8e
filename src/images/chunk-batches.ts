/**
 * Chunks gathered into batches: a batch is handed on when it holds `bytes` or `ms` after its first chunk (a slow
 * source is not held back). A download delivers 64 KiB socket reads (a few at a time); the unpack pipeline takes
 * one thread-pool step (gunzip) and one write (blob file) per piece it is given, so it gets batches instead.
 */
/** The batch size and delay the unpack pipeline uses on both sides of the worker (unpack-worker.ts, unpack-inputs.ts). */
export const BATCH_BYTES = 1024 * 1024;
export const FLUSH_MS = 5;

const IDLE = Symbol('idle');
const STOP = Symbol('stop');

export interface BatchOptions {
  bytes: number;
  ms: number;
  /** Settles when the consumer needs no more: the generator returns at once, releasing the source without waiting for it. */
  stop?: Promise<unknown>;
}

/** `source` yields chunks, or batches of chunks already gathered (a download's: pull/body-batches.ts). */
export async function* batches(source: AsyncIterable<Buffer | Buffer[]>, o: BatchOptions): AsyncGenerator<Buffer[]> {
  const stop = o.stop?.then(() => STOP, () => STOP);
  const it = source[Symbol.asyncIterator]();
  let parts: Buffer[] = [];
  let bytes = 0;
  let timer: NodeJS.Timeout | undefined;
  let due: Promise<typeof IDLE> | undefined; // fires `ms` after the current batch's first chunk
  let exhausted = false;
  const take = () => { clearTimeout(timer); due = undefined; const p = parts; parts = []; bytes = 0; return p; };
  try {
    for (;;) {
      const next = it.next();
      const race = (withDue: boolean) => Promise.race([next, ...(stop ? [stop] : []), ...(withDue && due ? [due] : [])]);
      let r = await race(true);
      if (r === IDLE) {
        yield take();
        r = await race(false);
      }
      if (typeof r === 'symbol') { next.catch(() => undefined); return; } // stopped
      if (r.done) { exhausted = true; break; }
      const v = r.value;
      if (Array.isArray(v)) { for (const c of v) { parts.push(c); bytes += c.length; } } else { parts.push(v); bytes += v.length; }
      if (bytes >= o.bytes) yield take();
      else if (!due) due = new Promise<typeof IDLE>((res) => { timer = setTimeout(() => res(IDLE), o.ms); });
    }
  } finally {
    clearTimeout(timer);
    // Stopped early (or the consumer left): the source is released without waiting for it (a stalled download
    // must not hold anything back; its owner destroys its stream).
    if (!exhausted) it.return?.(undefined)?.catch(() => undefined);
  }
  if (parts.length) yield take();
}
