/**
 * unpackLayer() on a worker thread.
 *
 * A pull's main thread receives the compressed stream, hashes it and writes the blob; the uncompressed side
 * (gunzip, diff-ID sha256 over every expanded byte, tar parsing, the file writes) is twice as many bytes and
 * was the daemon's main-thread bottleneck: it hashed ~1 GB, and the garbage collector ran a full collection
 * every ~14 MB of gunzip output on the daemon's heap. Here each layer is unpacked on a worker of its own (small
 * heap, cheap collections, a second CPU for the hashing; reused by later layers: unpack-pool.ts) while the main
 * thread only forwards compressed bytes.
 * With `blobPath` the worker also hashes the compressed bytes and writes them to that file (blob-tee.ts): a
 * profile of a 525 MB pull had the main thread busy all along, ~25 % of it in that sha256 and the blob writes.
 * Batches are handed over when BATCH bytes are gathered or FLUSH_MS after a batch's first chunk (a slow source
 * is not held back); handing over every socket read (64 KiB) cost a postMessage and an ArrayBuffer each. A
 * download's chunks are transferred, not copied (handOver): copying them cost the daemon a zero-filled 1 MiB
 * buffer per batch and doubled the external memory that drives its full garbage collections.
 *
 * Protocol: unpack-protocol.ts; the worker side: unpack-thread.ts; workers are reused across layers (unpack-pool.ts).
 * The parent keeps at most WINDOW bytes unacknowledged. Errors keep their kind (LayerError, TarFormatError, zlib
 * codes) so callers map them as they would in-process ones.
 */
import { LayerError } from './layer.js';
import { TarFormatError } from './tar/format.js';
import type { BlobDigest } from './blob-tee.js';
import type { ToWorker, FromWorker, WorkerError, WorkerUnpackResult } from './unpack-protocol.js';
import { takeWorker, giveBack } from './unpack-pool.js';

export type { WorkerUnpackResult } from './unpack-protocol.js';

const BATCH = 1024 * 1024;
const WINDOW = 8 * 1024 * 1024;
const FLUSH_MS = 5;

const STOP = Symbol('stop');
const IDLE = Symbol('idle');
const THREAD = new URL('./unpack-thread.js', import.meta.url);

/** The digest and size of the whole input of an unpack that failed (when the worker took it all in). */
export function failedBlobOf(e: unknown): BlobDigest | undefined {
  return (e as { wincriBlob?: BlobDigest } | undefined)?.wincriBlob;
}

export interface UnpackInWorkerOptions {
  maxBytes?: number;
  /** Also write the input to this file (flushed), its digest and size in `result.blob`. */
  blobPath?: string;
  /** Hash the input (its digest and size in `result.blob`) without writing it anywhere. */
  hashBlob?: boolean;
  /**
   * The source's chunks belong to this unpack (nobody reads them afterwards, as an HTTP body's): chunks that are a
   * whole ArrayBuffer are transferred to the worker instead of copied, and are detached here.
   */
  ownedChunks?: boolean;
}

/**
 * Unpacks like unpackLayer(), on a worker thread. Stops the worker (and its writes) if `source` fails. With
 * `blobPath`, the input is also written there (flushed to disk) and its digest and size are in `result.blob`;
 * the file is removed when the unpack fails.
 */
export async function unpackLayerInWorker(source: AsyncIterable<Buffer>, staging: string, opts: UnpackInWorkerOptions = {}): Promise<WorkerUnpackResult> {
  const started = performance.now();
  const worker = takeWorker(THREAD);
  worker.postMessage({ job: { staging, maxBytes: opts.maxBytes, blobPath: opts.blobPath, hashBlob: opts.hashBlob } } satisfies ToWorker);
  let unacked = 0;
  let wake: (() => void) | undefined;
  let finished = false;
  let onMessage!: (m: FromWorker) => void;
  let onError!: (e: Error) => void;
  let onExit!: (code: number) => void;
  const done = new Promise<WorkerUnpackResult>((resolve, reject) => {
    onMessage = (m) => {
      if ('ack' in m) { unacked -= m.ack; wake?.(); return; }
      finished = true;
      wake?.();
      if ('result' in m) resolve(m.result); else reject(rebuildError(m.error));
    };
    onError = (e) => { finished = true; wake?.(); reject(e); };
    onExit = (code) => { finished = true; wake?.(); reject(new Error(`layer unpack worker exited with code ${code}`)); };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
  const detach = () => { worker.off('message', onMessage).off('error', onError).off('exit', onExit); };
  done.catch(() => undefined);
  const post = (parts: Buffer[], bytes: number) => {
    unacked += bytes;
    const data = handOver(parts, opts.ownedChunks === true);
    worker.postMessage({ data } satisfies ToWorker, data);
  };
  // Settles when the worker has answered (or died): a feed waiting for a slow source stops right away.
  const answered = done.then(() => STOP, () => STOP);
  const feed = (async () => {
    let parts: Buffer[] = [];
    let bytes = 0;
    let timer: NodeJS.Timeout | undefined;
    let due: Promise<typeof IDLE> | undefined; // fires FLUSH_MS after the current batch's first chunk
    const flush = async () => {
      clearTimeout(timer);
      due = undefined;
      post(parts, bytes);
      parts = [];
      bytes = 0;
      while (unacked > WINDOW && !finished) await new Promise<void>((res) => { wake = res; });
    };
    const it = source[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = it.next();
        let r = await Promise.race(due ? [next, answered, due] : [next, answered]);
        if (r === IDLE) {
          // The source is slower than the batch: hand over what is gathered instead of waiting for more.
          await flush();
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
        if (bytes >= BATCH) await flush();
        else if (!due) due = new Promise<typeof IDLE>((res) => { timer = setTimeout(() => res(IDLE), FLUSH_MS); });
      }
    } finally {
      clearTimeout(timer);
    }
    if (bytes) post(parts, bytes);
    worker.postMessage({ end: true } satisfies ToWorker);
  })();
  try {
    await feed;
  } catch (e) {
    worker.postMessage({ abort: (e as Error)?.message ?? String(e) } satisfies ToWorker);
    await done.catch(() => undefined);
    detach();
    await worker.terminate();
    throw e;
  }
  let result: WorkerUnpackResult;
  try {
    result = await done;
  } catch (e) {
    detach();
    await worker.terminate();
    throw e;
  }
  // A result comes only after the worker took in the whole input: it holds nothing of this job.
  detach();
  giveBack(worker);
  result.unpackMs = Math.round(performance.now() - started);
  return result;
}

/**
 * The chunks as ArrayBuffers to transfer. With `transfer`, a chunk that is its whole (exact-size, unpooled) ArrayBuffer — every
 * body chunk of an HTTP response is: Node allocates each socket read on its own — moves to the worker as is (no
 * copy; its memory leaves this heap, so the daemon's collector does not count it). Other chunks (views into a
 * shared pool or into a larger buffer) are copied together into one buffer without zero-filling it first.
 */
export function handOver(parts: Buffer[], transfer: boolean): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  let copy: Buffer[] = [];
  let copyBytes = 0;
  const flushCopy = () => {
    if (!copy.length) return;
    const b = Buffer.allocUnsafeSlow(copyBytes);
    let off = 0;
    for (const c of copy) off += c.copy(b, off);
    out.push(b.buffer as ArrayBuffer);
    copy = [];
    copyBytes = 0;
  };
  const seen = new Set<ArrayBufferLike>();
  for (const p of parts) {
    const ab = p.buffer;
    const whole = transfer && ab instanceof ArrayBuffer && p.byteOffset === 0 && p.byteLength === ab.byteLength && ab.byteLength > 0 && !seen.has(ab);
    if (whole) {
      flushCopy();
      seen.add(ab);
      out.push(ab);
    } else if (p.length) {
      copy.push(p);
      copyBytes += p.length;
    }
  }
  flushCopy();
  return out;
}

function rebuildError(e: WorkerError): Error {
  let err: Error;
  if (e.name === 'LayerError') err = new LayerError(e.message);
  else if (e.name === 'TarFormatError') err = new TarFormatError(e.message);
  else {
    err = new Error(e.message);
    if (e.code !== undefined) (err as NodeJS.ErrnoException).code = e.code;
  }
  if (e.blob) Object.defineProperty(err, 'wincriBlob', { value: e.blob, enumerable: false });
  return err;
}
