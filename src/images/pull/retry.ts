/** Retries of registry requests: transient failures are tried again after an exponential backoff with jitter, and a cut download resumes with `Range` where it stopped. */
import type { IncomingMessage } from 'node:http';
import { logger } from '../../util/log.js';
import { RuntimeError, unavailable, errorMessage } from '../../errors.js';
import { HttpStatusError, isTransient, cancelledError } from './errors.js';
import { bodyBatches, batchBytes, dropPrefix } from './body-batches.js';

const log = logger('images/pull');

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((res, rej) => {
    if (signal.aborted) return rej(cancelledError(signal));
    const t = setTimeout(() => { signal.removeEventListener('abort', stop); res(); }, ms);
    const stop = () => { clearTimeout(t); rej(cancelledError(signal)); };
    signal.addEventListener('abort', stop, { once: true });
  });
}

export class RetryPolicy {
  /** `retries`: attempts after the first; `baseMs`: the first backoff delay (doubles, with jitter). */
  constructor(private readonly retries: number, private readonly baseMs: number) {}

  private backoff(attempt: number): number {
    const base = this.baseMs * 2 ** (attempt - 1);
    return Math.min(10_000, base / 2 + Math.random() * base / 2);
  }

  /** Runs fn, retrying transient failures with backoff. */
  async run<T>(what: string, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (signal.aborted) throw cancelledError(signal);
        if (!isTransient(e) || attempt > this.retries) throw e;
        log.info('transient registry error; retrying', { what, attempt, err: errorMessage(e) });
        await sleep(this.backoff(attempt), signal);
      }
    }
  }

  /**
   * The bytes of a `size`-byte download that `open` starts (with a Range header when resuming at an offset), in
   * batches of the chunks that arrived together (body-batches.ts; never an empty batch).
   */
  async *ranged(what: string, size: number, signal: AbortSignal, open: (headers: Record<string, string>) => Promise<IncomingMessage>): AsyncGenerator<Buffer[]> {
    let offset = 0;
    let failures = 0;
    let sinceFailure = 0;
    for (;;) {
      let res: IncomingMessage | undefined;
      try {
        res = await open(offset > 0 ? { range: `bytes=${offset}-` } : {});
        let skip = 0;
        if (offset > 0) {
          if (res.statusCode === 206) {
            const m = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
            if (!m || Number(m[1]) !== offset) { res.destroy(); throw unavailable(`${what}: the server answered a range request for offset ${offset} with ${String(res.headers['content-range'])}`); }
          } else {
            skip = offset; // Range ignored: the whole blob again; drop what we already have
          }
        }
        for await (let batch of bodyBatches(res)) {
          if (skip) [batch, skip] = dropPrefix(batch, skip);
          if (!batch.length) continue;
          const n = batchBytes(batch);
          offset += n;
          sinceFailure += n;
          if (sinceFailure > 1 << 20) failures = 0;
          yield batch;
        }
        return;
      } catch (e) {
        if (signal.aborted) throw cancelledError(signal);
        if (!isTransient(e) || ++failures > this.retries || offset > size) throw e instanceof RuntimeError || e instanceof HttpStatusError ? e : unavailable(`${what}: ${errorMessage(e)}`);
        log.info('download interrupted; resuming', { what, offset, attempt: failures, err: errorMessage(e) });
        sinceFailure = 0;
        await sleep(this.backoff(failures), signal);
      } finally {
        res?.destroy();
      }
    }
  }
}
