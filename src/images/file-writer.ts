/**
 * Sequential file writes gathered into large vectored writes.
 *
 * A pull writes every byte twice (the compressed blob and the unpacked files) in the chunks the socket and the
 * gunzip stream hand out. One `write` per chunk costs a thread-pool round trip (a thread wake-up and an event
 * loop callback) per 16–64 KiB, which dominated the daemon's CPU time. This writer queues chunks (no copy) and
 * issues one `writev` per `batchBytes`, with at most one write in flight, so filling the next batch overlaps
 * the current write. The chunks must not be modified after being handed over (stream chunks never are).
 */
import type { FileHandle } from 'node:fs/promises';
import { writeSync, writevSync } from 'node:fs';

/** Bytes gathered per writev. */
export const WRITE_BATCH = 1024 * 1024;
/** Buffers per writev call (IOV_MAX is 1024 on Linux). */
const MAX_IOV = 1024;

export class BatchedWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inflight: Promise<void> | undefined;
  private failed: unknown;
  /** Bytes handed to write(). */
  written = 0;

  constructor(private readonly fh: FileHandle, private readonly batchBytes = WRITE_BATCH) {}

  /** Queues a chunk; resolves at once unless a batch is due and the previous one is still being written. */
  async write(chunk: Buffer): Promise<void> {
    if (this.failed !== undefined) throw this.failed;
    if (chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.written += chunk.length;
    if (this.pendingBytes >= this.batchBytes) await this.startBatch();
  }

  /** Writes everything queued and waits for it. */
  async flush(): Promise<void> {
    await this.startBatch();
    await this.settle();
  }

  private async settle(): Promise<void> {
    const w = this.inflight;
    this.inflight = undefined;
    if (w) await w;
    if (this.failed !== undefined) throw this.failed;
  }

  private async startBatch(): Promise<void> {
    await this.settle();
    if (this.pendingBytes === 0) return;
    const bufs = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const w = writeAll(this.fh, bufs).catch((e: unknown) => { this.failed = e; });
    this.inflight = w;
  }
}

/** writev until every byte of `bufs` is written (writev may write less than asked, e.g. beyond IOV_MAX). */
async function writeAll(fh: FileHandle, bufs: Buffer[]): Promise<void> {
  let i = 0;
  while (i < bufs.length) {
    const batch = bufs.slice(i, i + MAX_IOV);
    const want = batch.reduce((n, b) => n + b.length, 0);
    let { bytesWritten } = batch.length === 1 ? await fh.write(batch[0]!) : await fh.writev(batch);
    if (bytesWritten === want) { i += batch.length; continue; }
    // Partial write: drop the bytes written and go on with the rest.
    let k = i;
    while (bytesWritten > 0 && bytesWritten >= bufs[k]!.length) { bytesWritten -= bufs[k]!.length; k++; }
    if (bytesWritten > 0) bufs[k] = bufs[k]!.subarray(bytesWritten);
    if (k === i && bytesWritten === 0 && bufs[k]!.length > 0) {
      // Nothing written and no error: avoid a busy loop.
      throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    }
    i = k;
  }
}

/**
 * The synchronous form, for a worker thread whose only job is this unpack: the same 1 MiB vectored writes,
 * issued from the worker itself instead of the process-wide libuv thread pool (4 threads shared by every
 * layer unpacking at once; each pool step costs a thread hand-off both ways).
 */
export class SyncBatchedWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  written = 0;
  /** Milliseconds spent in the write calls. */
  ms = 0;

  constructor(private readonly fd: number, private readonly batchBytes = WRITE_BATCH) {}

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    this.written += chunk.length;
    if (this.pendingBytes >= this.batchBytes) this.flush();
  }

  flush(): void {
    const bufs = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const t0 = performance.now();
    for (let i = 0; i < bufs.length; i += MAX_IOV) writeAllSync(this.fd, bufs.slice(i, i + MAX_IOV));
    this.ms += performance.now() - t0;
  }
}

function writeAllSync(fd: number, bufs: Buffer[]): void {
  let done = bufs.length === 1 ? writeSync(fd, bufs[0]!) : writevSync(fd, bufs);
  for (const b of bufs) {
    if (done >= b.length) { done -= b.length; continue; }
    for (let off = done; off < b.length;) off += writeSync(fd, b, off, b.length - off);
    done = 0;
  }
}
