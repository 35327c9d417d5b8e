/**
 * The compressed side of a pulled layer, on the unpack worker: every byte hashed (sha256) and, unless the blob is
 * to be discarded after the unpack (no path), appended to the blob's temp file as it passes to gunzip, so the
 * daemon's main thread only forwards what the socket delivers. Synchronous writes: this runs on the worker
 * thread, where they block nothing but the worker's own pipeline.
 */
import { openSync, writeSync, writevSync, fdatasyncSync, closeSync, unlinkSync } from 'node:fs';
import { localHash, type StreamHash } from './hash/stream.js';

const MAX_IOV = 512;

export interface BlobDigest { digest: string; size: number }

export class BlobTee {
  private readonly fd: number | undefined;
  private size = 0;
  private closed = false;

  /** Without a path the bytes are only hashed and counted. */
  constructor(private readonly path?: string, private readonly hash: StreamHash = localHash()) {
    this.fd = path === undefined ? undefined : openSync(path, 'w', 0o644);
  }

  /**
   * Appends the chunks to the file in vectored writes (IOV_MAX is 1024 on Linux) and hashes them. Returns a
   * promise when the hash must catch up first: await it before the next update.
   */
  update(bufs: Buffer[]): Promise<void> | undefined {
    for (let i = 0; this.fd !== undefined && i < bufs.length; i += MAX_IOV) {
      const part = bufs.slice(i, i + MAX_IOV);
      let want = 0;
      for (const b of part) want += b.length;
      const done = part.length === 1 ? writeSync(this.fd, part[0]!) : writevSync(this.fd, part);
      if (done < want) this.writeRest(part, done);
    }
    return this.hashFrom(bufs, 0);
  }

  private hashFrom(bufs: Buffer[], i: number): Promise<void> | undefined {
    for (; i < bufs.length; i++) {
      this.size += bufs[i]!.length;
      const wait = this.hash.update(bufs[i]!);
      if (wait) { const next = i + 1; return wait.then(() => this.hashFrom(bufs, next)); }
    }
    return undefined;
  }

  /** After a short vectored write: the remaining bytes, one chunk at a time. */
  private writeRest(bufs: Buffer[], done: number): void {
    const fd = this.fd!;
    for (const b of bufs) {
      if (done >= b.length) { done -= b.length; continue; }
      for (let off = done; off < b.length;) off += writeSync(fd, b, off, b.length - off);
      done = 0;
    }
  }

  /** Flushes the file to disk and closes it; the digest covers every byte given to update(). */
  async finish(): Promise<BlobDigest> {
    try { if (this.fd !== undefined) fdatasyncSync(this.fd); } finally { this.close(); }
    return { digest: await this.hash.digest(), size: this.size };
  }

  /** Digest and size of what was given so far (for a blob about to be discarded). */
  async digestSoFar(): Promise<BlobDigest> {
    return { digest: await this.hash.digestSoFar(), size: this.size };
  }

  /** Closes and removes the partial file; gives up the hash. */
  discard(): void {
    this.hash.release();
    this.close();
    if (this.path !== undefined) try { unlinkSync(this.path); } catch { /* already gone */ }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
  }
}
