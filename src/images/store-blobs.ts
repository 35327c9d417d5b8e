/** The store's content-addressed blobs under `blobs/sha256/`: verified ingest (stream, file, buffer), lookup and reads. */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { writeFileAtomic } from '../util/atomic.js';
import { invalidArgument, internal } from '../errors.js';
import { hexOf, isSha256Digest, sha256Digest } from './digest.js';
import { BatchedWriter } from './file-writer.js';
import type { Mutex } from '../util/mutex.js';
import type { Lease } from './store-model.js';

export interface Expected { digest?: string; size?: number }

export class BlobStore {
  /** `mutex` is the store's: collections run under it. */
  constructor(readonly blobsDir: string, readonly tmpDir: string, private readonly mutex: Mutex) {}

  blobPath(digest: string): string {
    return join(this.blobsDir, hexOf(digest));
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await stat(this.blobPath(digest)).catch(() => undefined))?.isFile() ?? false;
  }

  /**
   * Adds the blob to the lease, then tells whether it is in the store — under the store mutex, so a collection
   * running now (which may have looked at the leases already) cannot unlink what this finds present, and a later
   * one keeps it. Only the check holds the mutex; callers write a missing blob outside it.
   */
  useExisting(digest: string, lease: Lease | undefined): Promise<boolean> {
    return this.mutex.run(async () => {
      lease?.blobs.add(digest);
      return this.hasBlob(digest);
    });
  }

  async readBlob(digest: string, limit = 16 * 1024 * 1024): Promise<Buffer> {
    const st = await stat(this.blobPath(digest));
    if (st.size > limit) throw invalidArgument(`blob ${digest} is ${st.size} bytes, more than ${limit} for a JSON document`);
    const b = await readFile(this.blobPath(digest));
    if (sha256Digest(b) !== digest) throw internal(`blob ${digest} is corrupt on disk`);
    return b;
  }

  /** A fresh path under tmp/ for a blob being written (renamed into place once verified). */
  tempBlobPath(): string {
    return join(this.tmpDir, `blob-${randomBytes(8).toString('hex')}`);
  }

  /** A fresh directory under tmp/ for the caller's staging (removed by the caller, or at next open). */
  async tempDir(prefix: string): Promise<string> {
    const d = join(this.tmpDir, `${prefix}-${randomBytes(8).toString('hex')}`);
    await mkdir(d, { recursive: true });
    return d;
  }

  /** Streams content into the store, verifying the digest (and size) when given. Returns digest and size. */
  async ingestStream(source: AsyncIterable<Buffer>, expected?: Expected, lease?: Lease, what = 'blob'): Promise<{ digest: string; size: number }> {
    if (expected?.digest !== undefined && !isSha256Digest(expected.digest)) throw invalidArgument(`${what}: unsupported digest ${expected.digest}`);
    const tmp = this.tempBlobPath();
    const hash = createHash('sha256');
    let size = 0;
    const fh = await open(tmp, 'w', 0o644);
    try {
      const limit = expected?.size;
      const out = new BatchedWriter(fh);
      await pipeline(source, new Writable({
        write(chunk: Buffer, _enc, cb) {
          size += chunk.length;
          if (limit !== undefined && size > limit) return cb(invalidArgument(`${what}: more than the expected ${limit} bytes`));
          hash.update(chunk);
          out.write(chunk).then(() => cb(), cb);
        },
      }));
      await out.flush();
      await fh.sync();
    } catch (e) {
      await fh.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    await fh.close();
    const digest = `sha256:${hash.digest('hex')}`;
    try {
      checkExpected(expected?.digest, digest, size, expected?.size, what);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    lease?.blobs.add(digest);
    await rename(tmp, this.blobPath(digest));
    return { digest, size };
  }

  /** Moves a file (on the same file system, e.g. under tempDir()) into the store after verifying it. */
  async ingestFile(path: string, expected?: Expected, lease?: Lease, what = path): Promise<{ digest: string; size: number }> {
    const hash = createHash('sha256');
    let size = 0;
    for await (const b of createReadStream(path)) { hash.update(b as Buffer); size += (b as Buffer).length; }
    const digest = `sha256:${hash.digest('hex')}`;
    checkExpected(expected?.digest, digest, size, expected?.size, what);
    lease?.blobs.add(digest);
    await rename(path, this.blobPath(digest));
    return { digest, size };
  }

  async ingestBuffer(data: Buffer, expected?: Expected, lease?: Lease, what = 'blob'): Promise<{ digest: string; size: number }> {
    const digest = sha256Digest(data);
    checkExpected(expected?.digest, digest, data.length, expected?.size, what);
    if (!(await this.useExisting(digest, lease))) await writeFileAtomic(this.blobPath(digest), data, 0o644);
    return { digest, size: data.length };
  }
}

function checkExpected(expected: string | undefined, got: string, size: number, expectedSize: number | undefined, what: string): void {
  if (expected !== undefined && expected !== got) throw invalidArgument(`${what}: digest mismatch: expected ${expected}, content has ${got}`);
  if (expectedSize !== undefined && expectedSize !== size) throw invalidArgument(`${what}: size mismatch: expected ${expectedSize} bytes, content has ${size}`);
}
