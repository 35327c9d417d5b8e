/**
 * The compressed side of a pulled layer, on the unpack worker: every byte hashed (sha256) and, unless the blob is
 * to be discarded after the unpack (no path), appended to the blob's temp file as it passes to gunzip, so the
 * daemon's main thread only forwards what the socket delivers. Synchronous writes: this runs on the worker
 * thread, where they block nothing but the worker's own pipeline.
 */
import { openSync, writeSync, writevSync, fdatasyncSync, closeSync, unlinkSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';

const MAX_IOV = 512;

export interface BlobDigest { digest: string; size: number }

export class BlobTee {
  private readonly fd: number | undefined;
  private readonly hash: Hash = createHash('sha256');
  private size = 0;
  private closed = false;

  /** Without a path the bytes are only hashed and counted. */
  constructor(private readonly path?: string) {
    this.fd = path === undefined ? undefined : openSync(path, 'w', 0o644);
  }

  /** Hashes the chunks and appends them to the file in vectored writes (IOV_MAX is 1024 on Linux). */
  update(bufs: Buffer[]): void {
    if (this.fd === undefined) {
      for (const b of bufs) { this.hash.update(b); this.size += b.length; }
      return;
    }
    for (let i = 0; i < bufs.length; i += MAX_IOV) {
      const part = bufs.slice(i, i + MAX_IOV);
      let want = 0;
      for (const b of part) { this.hash.update(b); want += b.length; }
      this.size += want;
      const done = part.length === 1 ? writeSync(this.fd, part[0]!) : writevSync(this.fd, part);
      if (done < want) this.writeRest(part, done);
    }
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
  finish(): BlobDigest {
    try { if (this.fd !== undefined) fdatasyncSync(this.fd); } finally { this.close(); }
    return { digest: `sha256:${this.hash.digest('hex')}`, size: this.size };
  }

  /** Digest and size of what was given so far (ends the hash: only for a blob about to be discarded). */
  digestSoFar(): BlobDigest {
    return { digest: `sha256:${this.hash.digest('hex')}`, size: this.size };
  }

  /** Closes and removes the partial file. */
  discard(): void {
    this.close();
    if (this.path !== undefined) try { unlinkSync(this.path); } catch { /* already gone */ }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== undefined) closeSync(this.fd);
  }
}
