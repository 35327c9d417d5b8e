/**
 * Unpack workers are reused: a worker that finished a layer waits in the pool and unpacks the next one (also after
 * a gzip stream with trailing bytes, which the worker takes in to the end before it answers); a worker whose
 * unpack failed is not kept, and the next unpack (on a fresh worker) is unaffected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildTar } from '../../../src/images/tar/write.js';
import { unpackLayerInWorker } from '../../../src/images/unpack-worker.js';
import { idleWorkers, workersCreated, takeWorker, giveBack, IDLE_MS } from '../../../src/images/unpack-pool.js';

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function* chunks(b: Buffer, size = 40_000): AsyncGenerator<Buffer> {
  for (let o = 0; o < b.length; o += size) yield b.subarray(o, o + size);
}

test('unpack pool: a worker that finished a layer unpacks the next; a failed one is not kept', async () => {
  const d = await mkdtemp(join(tmpdir(), 'wincri-pool-'));
  try {
    const before = idleWorkers();
    const started = workersCreated();
    const layers = [0, 1, 2].map((i) => {
      const data = randomBytes(300_000 + i);
      return { data, tar: buildTar([{ name: 'Files', type: 'dir' }, { name: `Files/f${i}.bin`, data }]) };
    });
    // Trailing bytes after the gzip member (no blob file): the worker still reads to the end before answering.
    const first = await unpackLayerInWorker(chunks(Buffer.concat([gzipSync(layers[0]!.tar), Buffer.alloc(3000)])), join(d, 'a'));
    assert.equal(first.diffId, sha(layers[0]!.tar));
    assert.equal(idleWorkers(), before + 1, 'the worker waits for the next layer');
    const startedFirst = workersCreated();
    assert.equal(startedFirst, started + 1, 'the first layer started a worker');
    const gz = gzipSync(layers[1]!.tar);
    const second = await unpackLayerInWorker(chunks(gz), join(d, 'b'), { blobPath: join(d, 'blob') });
    assert.equal(idleWorkers(), before + 1, 'the same worker was taken and given back');
    assert.equal(workersCreated(), startedFirst, 'no worker was started for the second layer');
    assert.equal(second.diffId, sha(layers[1]!.tar));
    assert.deepEqual(second.blob, { digest: sha(gz), size: gz.length });
    assert.deepEqual(await readFile(join(d, 'b', 'Files', 'f1.bin')), layers[1]!.data);

    await assert.rejects(unpackLayerInWorker(chunks(buildTar([{ name: '/etc/passwd', data: 'x' }])), join(d, 'c')), /absolute path/);
    assert.equal(idleWorkers(), before, 'a worker whose unpack failed is terminated');

    const third = await unpackLayerInWorker(chunks(layers[2]!.tar), join(d, 'e'));
    assert.equal(third.diffId, sha(layers[2]!.tar));
    assert.deepEqual(await readFile(join(d, 'e', 'Files', 'f2.bin')), layers[2]!.data);
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});

test('unpack pool: an error from a worker after its job detached is not an uncaught exception', async () => {
  const d = await mkdtemp(join(tmpdir(), 'wincri-pool-'));
  try {
    await unpackLayerInWorker(chunks(buildTar([{ name: 'Files', type: 'dir' }])), join(d, 'a'));
    const started = workersCreated();
    // The idle worker, as a job gets it and as it is between detach() and terminate(): no job listener.
    const w = takeWorker(new URL('../../../src/images/unpack-thread.js', import.meta.url));
    assert.equal(workersCreated(), started, 'the idle worker was taken');
    assert.doesNotThrow(() => w.emit('error', new Error('late failure in the worker thread')));
    giveBack(w);
    assert.doesNotThrow(() => w.emit('error', new Error('failure while idle')));
    await w.terminate();
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});

test('unpack pool: an idle worker waits for the next pull well beyond a few seconds, and is let go after IDLE_MS', async (t) => {
  // A worker of one pull must still be there when the next pull starts (a pod's images, a rollout): a fresh one
  // pays its start-up and a cold JIT again. Fake timers: no waiting.
  const d = await mkdtemp(join(tmpdir(), 'wincri-pool-'));
  try {
    await unpackLayerInWorker(chunks(buildTar([{ name: 'Files', type: 'dir' }])), join(d, 'a'));
    const w = takeWorker(new URL('../../../src/images/unpack-thread.js', import.meta.url));
    const before = idleWorkers();
    t.mock.timers.enable({ apis: ['setTimeout'] });
    giveBack(w);
    t.mock.timers.tick(30_000);
    assert.equal(idleWorkers(), before + 1, 'still idle after 30 s');
    t.mock.timers.tick(IDLE_MS - 30_000);
    assert.equal(idleWorkers(), before, 'let go after IDLE_MS');
    t.mock.timers.reset();
  } finally {
    await rm(d, { recursive: true, force: true });
  }
});
