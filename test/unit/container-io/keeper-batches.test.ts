/** The keeper's batched reading of an output stream (keeper-batches.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { batches } from '../../../src/container-io/keeper-batches.js';

const turn = () => new Promise((r) => setImmediate(r));
const text = (b: Buffer[]) => Buffer.concat(b).toString();

test('what arrives while a batch is being written comes as the next batch, in order; the end ends it', async () => {
  const src = new PassThrough();
  const it = batches(src)[Symbol.asyncIterator]();
  src.write('a');
  assert.equal(text((await it.next()).value as Buffer[]), 'a');
  // The consumer is "writing": three chunks arrive meanwhile.
  src.write('b'); src.write('c'); src.write('d');
  await turn();
  assert.equal(text((await it.next()).value as Buffer[]), 'bcd');
  src.end('e');
  assert.equal(text((await it.next()).value as Buffer[]), 'e');
  assert.equal((await it.next()).done, true);
});

test('a batch that reached the limit pauses the stream until it is taken: backpressure reaches the writer', async () => {
  const src = new PassThrough({ highWaterMark: 4 });
  const it = batches(src, undefined, 8)[Symbol.asyncIterator]();
  src.write('12345');
  const first = await it.next();
  assert.equal(text(first.value as Buffer[]), '12345');
  src.write('6789');
  src.write('abcd');
  await turn();
  assert.equal(src.isPaused(), true, 'reading stopped at 8 bytes queued');
  const ok = src.write('efgh');
  assert.equal(ok, false, 'the writer is told to wait');
  assert.equal(text((await it.next()).value as Buffer[]), '6789abcd');
  assert.equal(src.isPaused(), false, 'taking the batch reads on');
  await turn();
  assert.equal(text((await it.next()).value as Buffer[]), 'efgh');
  src.end();
  assert.equal((await it.next()).done, true);
});

test('with attachers a batch is one chunk; a stream that fails throws', async () => {
  const src = new PassThrough();
  const seen: string[] = [];
  const it = batches(src, { onChunk: (b) => seen.push(b.toString()), paced: () => true })[Symbol.asyncIterator]();
  src.write('x'); src.write('y');
  assert.equal(text((await it.next()).value as Buffer[]), 'x');
  assert.equal(text((await it.next()).value as Buffer[]), 'y');
  assert.deepEqual(seen, ['x', 'y']);
  src.destroy(new Error('pipe broke'));
  await assert.rejects(it.next(), /pipe broke/);
});
