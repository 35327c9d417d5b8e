/**
 * The unpack worker's blob tee: with `blobPath` the compressed input is written to that file and its digest and
 * size come back with the result (trailing bytes after the tar end included); when the unpack fails after the
 * whole input arrived, the error carries the input's digest (so a digest mismatch can be told apart) and the
 * partial file is gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile, access } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildTar } from '../../../src/images/tar/write.js';
import { unpackLayerInWorker, failedBlobOf } from '../../../src/images/unpack-worker.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function* chunks(b: Buffer, size = 70_000): AsyncGenerator<Buffer> {
  for (let o = 0; o < b.length; o += size) yield b.subarray(o, o + size);
}

test('blob tee: the file holds the input, digest and size match, unpack result unchanged', async () => {
  const d = await mkdtemp(join(tmpdir(), 'wincri-tee-'));
  try {
    const tar = buildTar([{ name: 'Files', type: 'dir' }, { name: 'Files/x.bin', data: randomBytes(2 * 1024 * 1024) }]);
    const gz = gzipSync(tar);
    const r = await unpackLayerInWorker(chunks(gz), join(d, 's'), { blobPath: join(d, 'blob') });
    assert.deepEqual(r.blob, { digest: sha(gz), size: gz.length });
    assert.equal(r.diffId, sha(tar));
    assert.deepEqual(await readFile(join(d, 'blob')), gz);
    // Bytes after the gzip member are part of the blob as well.
    const padded = Buffer.concat([gz, Buffer.alloc(4096)]);
    const p = await unpackLayerInWorker(chunks(padded, 5000), join(d, 'p'), { blobPath: join(d, 'blob2') });
    assert.deepEqual(p.blob, { digest: sha(padded), size: padded.length });
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});

test('blob tee: a failed unpack reports the whole input digest and removes the file', async () => {
  const d = await mkdtemp(join(tmpdir(), 'wincri-tee-'));
  try {
    const junk = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), randomBytes(300_000)]);
    const err = await unpackLayerInWorker(chunks(junk), join(d, 's'), { blobPath: join(d, 'blob') }).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof Error, 'corrupt gzip fails');
    assert.deepEqual(failedBlobOf(err), { digest: sha(junk), size: junk.length });
    await assert.rejects(access(join(d, 'blob')), { code: 'ENOENT' });
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});

test('blob tee: a hostile entry fails without waiting for the rest of a stalled source, and leaves no file', async () => {
  const d = await mkdtemp(join(tmpdir(), 'wincri-tee-'));
  let release!: () => void;
  const stalled = new Promise<void>((r) => { release = r; });
  async function* source(): AsyncGenerator<Buffer> {
    yield buildTar([{ name: '/etc/passwd', data: 'x' }]).subarray(0, 1024);
    await stalled; // a registry that stopped sending
  }
  try {
    // The stalled source never ends: the rejection itself shows the worker did not wait for it.
    await assert.rejects(unpackLayerInWorker(source(), join(d, 's'), { blobPath: join(d, 'blob') }), (e: Error) => /absolute path/.test(e.message) && failedBlobOf(e) === undefined);
    await assert.rejects(access(join(d, 'blob')), { code: 'ENOENT' });
  } finally {
    release();
    await rm(d, { recursive: true, force: true });
  }
});
