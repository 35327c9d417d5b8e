/** A download's body read in batches (pull/body-batches.ts) and the prefix dropped when a server ignores Range. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { bodyBatches, batchBytes, dropPrefix } from '../../../../src/images/pull/body-batches.js';

const turn = () => new Promise((r) => setImmediate(r));
const text = (b: Buffer[]) => Buffer.concat(b).toString();

test('chunks that arrive while the consumer is busy come as one batch, in order; the end ends it', async () => {
  const src = new PassThrough();
  const it = bodyBatches(src)[Symbol.asyncIterator]();
  src.write('a');
  assert.equal(text((await it.next()).value as Buffer[]), 'a');
  src.write('b'); src.write('c'); src.write('d');
  await turn();
  const batch = (await it.next()).value as Buffer[];
  assert.equal(batch.length, 3);
  assert.equal(text(batch), 'bcd');
  src.end('e');
  assert.equal(text((await it.next()).value as Buffer[]), 'e');
  assert.equal((await it.next()).done, true);
});

test('a batch at the limit pauses the body until it is taken: backpressure reaches the socket', async () => {
  const src = new PassThrough({ highWaterMark: 4 });
  const it = bodyBatches(src, 8)[Symbol.asyncIterator]();
  src.write('12345');
  assert.equal(text((await it.next()).value as Buffer[]), '12345');
  src.write('6789');
  src.write('abcd');
  await turn();
  assert.equal(src.isPaused(), true);
  // The writer sees backpressure once the paused body's own buffer is full.
  assert.equal(src.write('efgh'), false);
  assert.equal(text((await it.next()).value as Buffer[]), '6789abcd');
  assert.equal(src.isPaused(), false);
  src.end();
  assert.equal(text((await it.next()).value as Buffer[]), 'efgh');
  assert.equal((await it.next()).done, true);
});

test('an error is thrown after the chunks before it; a close before the end is a premature close (transient)', async () => {
  const src = new PassThrough();
  const it = bodyBatches(src)[Symbol.asyncIterator]();
  const first = it.next(); // the reader is there (as ranged's for-await is) before the bytes arrive
  src.write('x');
  assert.equal(text((await first).value as Buffer[]), 'x');
  src.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
  await assert.rejects(it.next(), /aborted/);

  const cut = new PassThrough();
  const it2 = bodyBatches(cut)[Symbol.asyncIterator]();
  cut.destroy();
  await assert.rejects(it2.next(), (e: NodeJS.ErrnoException) => e.code === 'ERR_STREAM_PREMATURE_CLOSE');
});

test('leaving early lets go of the body: its listeners are removed', async () => {
  const src = new PassThrough();
  const it = bodyBatches(src)[Symbol.asyncIterator]();
  src.write('a');
  await it.next();
  await it.return(undefined);
  assert.equal(src.listenerCount('data'), 0);
  assert.equal(src.listenerCount('error'), 0);
});

test('dropPrefix drops whole chunks and part of one, without copying, and says what is left to drop', () => {
  const a = Buffer.from('abc');
  const b = Buffer.from('defg');
  const c = Buffer.from('hi');
  const [rest, left] = dropPrefix([a, b, c], 5);
  assert.equal(left, 0);
  assert.equal(text(rest), 'fghi');
  assert.equal(rest[0]!.buffer, b.buffer);
  assert.deepEqual(dropPrefix([a, b], 7).map((x) => (Array.isArray(x) ? x.length : x)), [0, 0]);
  const [none, more] = dropPrefix([a, b], 10);
  assert.equal(none.length, 0);
  assert.equal(more, 3);
  const [same, zero] = dropPrefix([a], 3);
  assert.equal(same.length, 0);
  assert.equal(zero, 0);
  assert.equal(batchBytes([a, b, c]), 9);
});
