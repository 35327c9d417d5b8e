/**
 * Handing a download's chunks to the unpack worker: chunks that own their whole ArrayBuffer move without a copy
 * (and are detached here) only when the caller says the chunks are its own; views into shared memory are copied,
 * so the sender's other data stays intact; the worker sees the same bytes either way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildTar } from '../../../src/images/tar/write.js';
import { handOver, unpackLayerInWorker } from '../../../src/images/unpack-worker.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const own = (b: Buffer) => { const c = Buffer.allocUnsafeSlow(b.length); b.copy(c); return c; };

test('handOver: whole ArrayBuffers are passed as they are, views are copied together, order kept', () => {
  const a = own(Buffer.from('aaaa'));
  const shared = Buffer.from('xxbbccyy');
  const b = shared.subarray(2, 4);
  const c = shared.subarray(4, 6);
  const d = own(Buffer.from('dd'));
  const out = handOver([a, b, c, d], true);
  assert.equal(out.length, 3);
  assert.equal(out[0], a.buffer);
  assert.equal(Buffer.from(out[1]!).toString(), 'bbcc');
  assert.notEqual(out[1], shared.buffer);
  assert.equal(out[2], d.buffer);
  // Without transfer everything is copied into one new buffer.
  const copied = handOver([a, b, d], false);
  assert.equal(copied.length, 1);
  assert.notEqual(copied[0], a.buffer);
  assert.equal(Buffer.from(copied[0]!).toString(), 'aaaabbdd');
  // The same ArrayBuffer twice is transferred once at most.
  const twice = handOver([a, a], true);
  assert.equal(twice.length, 2);
  assert.notEqual(twice[1], a.buffer);
});

test('unpackLayerInWorker with ownedChunks: same blob, diff ID and files; the sent chunks are detached', async () => {
  const d = await mkdtemp(join(tmpdir(), 'wincri-handover-'));
  try {
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const tar = buildTar([{ name: 'Files', type: 'dir' }, { name: 'Files/x.bin', data }]);
    const gz = gzipSync(tar);
    const sent: Buffer[] = [];
    async function* source(): AsyncGenerator<Buffer> {
      for (let o = 0; o < gz.length; o += 65536) { const c = own(gz.subarray(o, o + 65536)); sent.push(c); yield c; }
    }
    const r = await unpackLayerInWorker(source(), join(d, 's'), { blobPath: join(d, 'blob'), ownedChunks: true });
    assert.deepEqual(r.blob, { digest: sha(gz), size: gz.length });
    assert.equal(r.diffId, sha(tar));
    assert.deepEqual(await readFile(join(d, 'blob')), gz);
    assert.deepEqual(await readFile(join(d, 's', 'Files', 'x.bin')), data);
    assert.ok(sent.every((c) => c.buffer.byteLength === 0), 'every owned chunk moved to the worker');
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});
