/** The input of a job on the unpack worker (unpack-thread.ts), batch by batch: what the parent posts, or a registry download the worker makes itself. */
import type { MessagePort } from 'node:worker_threads';
import { batches, BATCH_BYTES, FLUSH_MS } from './chunk-batches.js';
import { remoteLayer } from './pull/remote-layer.js';
import type { ToWorker, FromWorker, UnpackJob } from './unpack-protocol.js';

/** The bytes in a batch of buffers. */
export const bytesOf = (bufs: readonly Uint8Array[]): number => bufs.reduce((n, b) => n + b.length, 0);
// A download's socket reads gathered before they go to the blob file and gunzip (chunk-batches.ts).
const REPORT = 4 * 1024 * 1024;
const REPORT_MS = 200;

/** The parent's batches: the next one, or undefined at the end; a failure of the parent's source throws. */
export function postedInput(next: () => Promise<ToWorker>, port: MessagePort): () => Promise<Buffer[] | undefined> {
  let ended = false;
  return async () => {
    if (ended) return undefined;
    const m = await next();
    if ('end' in m) { ended = true; return undefined; }
    if ('abort' in m) throw new Error(`input failed: ${m.abort}`);
    if ('job' in m) throw new Error('a new job arrived before the input ended');
    if (!('data' in m)) return [];
    const bufs = m.data.map((ab) => Buffer.from(ab));
    port.postMessage({ ack: bytesOf(bufs) } satisfies FromWorker);
    return bufs;
  };
}

/**
 * A registry download's batches; the bytes received are reported to the parent every REPORT bytes, REPORT_MS after
 * the previous report (a slow download's progress) and at the end: each report wakes the daemon's main thread.
 */
export function fetchedInput(job: UnpackJob, port: MessagePort): () => Promise<Buffer[] | undefined> {
  const it = batches(remoteLayer(job.remote!, new AbortController().signal, (m) => port.postMessage(m satisfies FromWorker)), { bytes: BATCH_BYTES, ms: FLUSH_MS });
  let unreported = 0;
  let reportedAt = performance.now();
  const report = () => {
    if (unreported) port.postMessage({ got: unreported } satisfies FromWorker);
    unreported = 0;
    reportedAt = performance.now();
  };
  return async () => {
    const r = await it.next();
    if (r.done) { report(); return undefined; }
    unreported += bytesOf(r.value);
    if (unreported >= REPORT || performance.now() - reportedAt >= REPORT_MS) report();
    return r.value;
  };
}
