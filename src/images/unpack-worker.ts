/**
 * unpackLayer() on a worker thread.
 *
 * A pull's main thread receives the compressed stream, hashes it and writes the blob; the uncompressed side
 * (gunzip, diff-ID sha256 over every expanded byte, tar parsing, the file writes) is twice as many bytes and
 * was the daemon's main-thread bottleneck: it hashed ~1 GB, and the garbage collector ran a full collection
 * every ~14 MB of gunzip output on the daemon's heap. Here each layer is unpacked by its own worker (small heap,
 * cheap collections, a second CPU for the hashing) while the main thread only forwards compressed bytes.
 *
 * Protocol: the parent posts `{ data: ArrayBuffer }` (transferred, ≤ BATCH bytes), then `{ end: true }` or
 * `{ abort: message }`; the worker acknowledges consumed bytes with `{ ack: n }` (the parent keeps at most
 * WINDOW bytes unacknowledged) and finishes with `{ result }` or `{ error }`. Errors keep their kind
 * (LayerError, TarFormatError, zlib codes) so callers map them as they would in-process ones.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { unpackLayer, LayerError, type UnpackResult } from './layer.js';
import { TarFormatError } from './tar.js';

const BATCH = 512 * 1024;
const WINDOW = 4 * 1024 * 1024;

const STOP = Symbol('stop');
const IDLE = Symbol('idle');
const idle = () => new Promise<typeof IDLE>((r) => setImmediate(() => r(IDLE)));

type ToWorker = { data: ArrayBuffer } | { end: true } | { abort: string };
type FromWorker = { ack: number } | { result: UnpackResult } | { error: { name: string; message: string; code?: string } };

/** Unpacks like unpackLayer(), on a worker thread. Stops the worker (and its writes) if `source` fails. */
export async function unpackLayerInWorker(source: AsyncIterable<Buffer>, staging: string, opts: { maxBytes?: number } = {}): Promise<UnpackResult> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { wincriUnpack: true, staging, maxBytes: opts.maxBytes } });
  let unacked = 0;
  let wake: (() => void) | undefined;
  let finished = false;
  const done = new Promise<UnpackResult>((resolve, reject) => {
    worker.on('message', (m: FromWorker) => {
      if ('ack' in m) { unacked -= m.ack; wake?.(); return; }
      finished = true;
      wake?.();
      if ('result' in m) resolve(m.result); else reject(rebuildError(m.error));
    });
    worker.on('error', (e) => { finished = true; wake?.(); reject(e); });
    worker.on('exit', (code) => { finished = true; wake?.(); reject(new Error(`layer unpack worker exited with code ${code}`)); });
  });
  done.catch(() => undefined);
  const post = (parts: Buffer[], bytes: number) => {
    const ab = new ArrayBuffer(bytes);
    const view = new Uint8Array(ab);
    let off = 0;
    for (const p of parts) { view.set(p, off); off += p.length; }
    unacked += bytes;
    worker.postMessage({ data: ab } satisfies ToWorker, [ab]);
  };
  // Settles when the worker has answered (or died): a feed waiting for a slow source stops right away.
  const answered = done.then(() => STOP, () => STOP);
  const feed = (async () => {
    let parts: Buffer[] = [];
    let bytes = 0;
    const it = source[Symbol.asyncIterator]();
    for (;;) {
      const next = it.next();
      let r = await Promise.race(bytes ? [next, answered, idle()] : [next, answered]);
      if (r === IDLE) {
        // The source has nothing more right now: hand over what is gathered instead of waiting for a batch.
        post(parts, bytes);
        parts = [];
        bytes = 0;
        while (unacked > WINDOW && !finished) await new Promise<void>((res) => { wake = res; });
        r = await Promise.race([next, answered]);
      }
      if (typeof r === 'symbol' || finished) {
        // The worker stopped (error or early end); its answer says why. Release the source without waiting
        // for it (a stalled download must not hold the error back; the caller destroys its stream).
        next.catch(() => undefined);
        it.return?.(undefined)?.catch(() => undefined);
        return;
      }
      if (r.done) break;
      const chunk = r.value;
      parts.push(chunk);
      bytes += chunk.length;
      if (bytes >= BATCH) {
        post(parts, bytes);
        parts = [];
        bytes = 0;
        while (unacked > WINDOW && !finished) await new Promise<void>((r) => { wake = r; });
      }
    }
    if (bytes) post(parts, bytes);
    worker.postMessage({ end: true } satisfies ToWorker);
  })();
  try {
    await feed;
  } catch (e) {
    worker.postMessage({ abort: (e as Error)?.message ?? String(e) } satisfies ToWorker);
    await done.catch(() => undefined);
    await worker.terminate();
    throw e;
  }
  try {
    return await done;
  } finally {
    await worker.terminate();
  }
}

function rebuildError(e: { name: string; message: string; code?: string }): Error {
  if (e.name === 'LayerError') return new LayerError(e.message);
  if (e.name === 'TarFormatError') return new TarFormatError(e.message);
  const err = new Error(e.message) as NodeJS.ErrnoException;
  if (e.code !== undefined) err.code = e.code;
  return err;
}

/** Worker side: messages → async iterable → unpackLayer → result. */
async function serve(): Promise<void> {
  const port = parentPort!;
  const { staging, maxBytes } = workerData as { staging: string; maxBytes?: number };
  const queue: ToWorker[] = [];
  let wake: (() => void) | undefined;
  port.on('message', (m: ToWorker) => { queue.push(m); wake?.(); });
  async function* input(): AsyncGenerator<Buffer> {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((r) => { wake = r; });
      const m = queue.shift()!;
      if ('end' in m) return;
      if ('abort' in m) throw new Error(`input failed: ${m.abort}`);
      const b = Buffer.from(m.data);
      yield b;
      port.postMessage({ ack: b.length } satisfies FromWorker);
    }
  }
  try {
    const result = await unpackLayer(input(), staging, maxBytes === undefined ? {} : { maxBytes });
    port.postMessage({ result } satisfies FromWorker);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    port.postMessage({ error: { name: err?.name ?? 'Error', message: err?.message ?? String(e), ...(err?.code !== undefined ? { code: err.code } : {}) } } satisfies FromWorker);
  }
  // The worker stays until the parent, having read the answer, terminates it.
}

if (!isMainThread && (workerData as { wincriUnpack?: boolean } | undefined)?.wincriUnpack) void serve();
