/**
 * The compressed side of a pulled layer, on the unpack worker: every byte hashed (sha256) and appended to the
 * blob's temp file as it passes to gunzip, so the daemon's main thread only forwards what the socket delivers.
 * Synchronous writes: this runs on the worker thread, where they block nothing but the worker's own pipeline.
 */
import { openSync, writeSync, fdatasyncSync, closeSync, unlinkSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';

export interface BlobDigest { digest: string; size: number }

export class BlobTee {
  private readonly fd: number;
  private readonly hash: Hash = createHash('sha256');
  private size = 0;
  private closed = false;

  constructor(private readonly path: string) {
    this.fd = openSync(path, 'w', 0o644);
  }

  update(b: Buffer): void {
    this.hash.update(b);
    this.size += b.length;
    for (let off = 0; off < b.length;) off += writeSync(this.fd, b, off, b.length - off);
  }

  /** Flushes the file to disk and closes it; the digest covers every byte given to update(). */
  finish(): BlobDigest {
    try { fdatasyncSync(this.fd); } finally { this.close(); }
    return { digest: `sha256:${this.hash.digest('hex')}`, size: this.size };
  }

  /** Digest and size of what was given so far (ends the hash: only for a blob about to be discarded). */
  digestSoFar(): BlobDigest {
    return { digest: `sha256:${this.hash.digest('hex')}`, size: this.size };
  }

  /** Closes and removes the partial file. */
  discard(): void {
    this.close();
    try { unlinkSync(this.path); } catch { /* already gone */ }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
