/**
 * unpackLayer() on a worker thread.
 *
 * A pull's main thread receives the compressed stream, hashes it and writes the blob; the uncompressed side
 * (gunzip, diff-ID sha256 over every expanded byte, tar parsing, the file writes) is twice as many bytes and
 * was the daemon's main-thread bottleneck: it hashed ~1 GB, and the garbage collector ran a full collection
 * every ~14 MB of gunzip output on the daemon's heap. Here each layer is unpacked by its own worker (small heap,
 * cheap collections, a second CPU for the hashing) while the main thread only forwards compressed bytes.
 * With `blobPath` the worker also hashes the compressed bytes and writes them to that file (blob-tee.ts): a
 * profile of a 525 MB pull had the main thread busy all along, ~25 % of it in that sha256 and the blob writes.
 * Batches are handed over when BATCH bytes are gathered or FLUSH_MS after a batch's first chunk (a slow source
 * is not held back); handing over every socket read (64 KiB) cost a postMessage and an ArrayBuffer each. A
 * download's chunks are transferred, not copied (handOver): copying them cost the daemon a zero-filled 1 MiB
 * buffer per batch and doubled the external memory that drives its full garbage collections.
 *
 * Protocol: the parent posts `{ data: ArrayBuffer }` (transferred, ≤ BATCH bytes), then `{ end: true }` or
 * `{ abort: message }`; the worker acknowledges consumed bytes with `{ ack: n }` (the parent keeps at most
 * WINDOW bytes unacknowledged) and finishes with `{ result }` or `{ error }`. Errors keep their kind
 * (LayerError, TarFormatError, zlib codes) so callers map them as they would in-process ones.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { unpackLayer, LayerError, type UnpackResult } from './layer.js';
import { TarFormatError } from './tar/format.js';
import { BlobTee, type BlobDigest } from './blob-tee.js';

const BATCH = 1024 * 1024;
const WINDOW = 8 * 1024 * 1024;
const FLUSH_MS = 5;

const STOP = Symbol('stop');
const IDLE = Symbol('idle');

/** `blobSyncMs`: time the blob file's flush to disk took; `unpackMs`: the unpack's wall time, from the worker's start. */
export type WorkerUnpackResult = UnpackResult & { blob?: BlobDigest; blobSyncMs?: number; unpackMs?: number };
type ToWorker = { data: ArrayBuffer[] } | { end: true } | { abort: string };
type WorkerError = { name: string; message: string; code?: string; blob?: BlobDigest };
type FromWorker = { ack: number } | { result: WorkerUnpackResult } | { error: WorkerError };

/** The digest and size of the whole input of an unpack that failed (when the worker took it all in). */
export function failedBlobOf(e: unknown): BlobDigest | undefined {
  return (e as { wincriBlob?: BlobDigest } | undefined)?.wincriBlob;
}

export interface UnpackInWorkerOptions {
  maxBytes?: number;
  /** Also write the input to this file (flushed), its digest and size in `result.blob`. */
  blobPath?: string;
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
  const worker = new Worker(new URL(import.meta.url), { workerData: { wincriUnpack: true, staging, maxBytes: opts.maxBytes, blobPath: opts.blobPath } });
  let unacked = 0;
  let wake: (() => void) | undefined;
  let finished = false;
  const done = new Promise<WorkerUnpackResult>((resolve, reject) => {
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
    await worker.terminate();
    throw e;
  }
  try {
    const result = await done;
    result.unpackMs = Math.round(performance.now() - started);
    return result;
  } finally {
    await worker.terminate();
  }
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

const bytesOf = (bufs: Buffer[]) => bufs.reduce((n, b) => n + b.length, 0);

/** Worker side: messages → async iterable (teed into the blob file) → unpackLayer → result. */
async function serve(): Promise<void> {
  const port = parentPort!;
  const { staging, maxBytes, blobPath } = workerData as { staging: string; maxBytes?: number; blobPath?: string };
  const queue: ToWorker[] = [];
  let wake: (() => void) | undefined;
  port.on('message', (m: ToWorker) => { queue.push(m); wake?.(); });
  let tee: BlobTee | undefined;
  let ended = false;
  let inputFailed = false;
  /** The next batch (hashed and written to the blob), or undefined at the end of the input. */
  const nextChunk = async (): Promise<Buffer[] | undefined> => {
    if (ended) return undefined;
    while (queue.length === 0) await new Promise<void>((r) => { wake = r; });
    const m = queue.shift()!;
    if ('end' in m) { ended = true; return undefined; }
    if ('abort' in m) { inputFailed = true; throw new Error(`input failed: ${m.abort}`); }
    const bufs = m.data.map((ab) => Buffer.from(ab));
    tee?.update(bufs);
    return bufs;
  };
  async function* input(): AsyncGenerator<Buffer> {
    for (let bufs = await nextChunk(); bufs; bufs = await nextChunk()) {
      // One buffer per batch: gunzip takes one thread-pool step per input chunk it is given.
      const b = bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs);
      if (b.length) yield b;
      port.postMessage({ ack: b.length } satisfies FromWorker);
    }
  }
  try {
    if (blobPath) tee = new BlobTee(blobPath);
    const result: WorkerUnpackResult = await unpackLayer(input(), staging, maxBytes === undefined ? {} : { maxBytes });
    if (tee) {
      // Whatever follows the end of the tar stream is part of the blob too.
      for (let b = await nextChunk(); b; b = await nextChunk()) port.postMessage({ ack: bytesOf(b) } satisfies FromWorker);
      const t0 = performance.now();
      result.blob = tee.finish();
      result.blobSyncMs = Math.round(performance.now() - t0);
    }
    port.postMessage({ result } satisfies FromWorker);
  } catch (e) {
    let blob: BlobDigest | undefined;
    const err0 = e as NodeJS.ErrnoException;
    const corrupt = String(err0?.code ?? '').startsWith('Z_') || String(err0?.message ?? '').startsWith('layer tar: ');
    if (tee && !inputFailed && corrupt) {
      // Bytes that are not what the descriptor names are the usual cause of a gzip or tar format error: take in
      // the rest so the parent can tell a digest mismatch (the registry sent wrong bytes) from a bad layer.
      // Other errors (hostile entries, size limits: well-formed content) fail at once.
      try {
        for (let b = await nextChunk(); b; b = await nextChunk()) port.postMessage({ ack: bytesOf(b) } satisfies FromWorker);
        blob = tee.digestSoFar();
      } catch { /* the input failed as well: its own error reaches the parent */ }
    }
    tee?.discard();
    const err = e as NodeJS.ErrnoException;
    port.postMessage({ error: { name: err?.name ?? 'Error', message: err?.message ?? String(e), ...(err?.code !== undefined ? { code: err.code } : {}), ...(blob ? { blob } : {}) } } satisfies FromWorker);
  }
  // The worker stays until the parent, having read the answer, terminates it.
}

if (!isMainThread && (workerData as { wincriUnpack?: boolean } | undefined)?.wincriUnpack) void serve();
