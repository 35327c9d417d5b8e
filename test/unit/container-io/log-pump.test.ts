/**
 * drainInBatches: chunks arriving while a write is in flight are written together next, in order; a write in
 * flight with MAX_PENDING bytes waiting pauses the source (backpressure reaches the producer); the stream's end
 * resolves and its error rejects only after the data received before it was written; CriLogWriter.writeChunks
 * turns a batch into the same records as chunk-by-chunk writes (lines split across chunks included).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drainInBatches } from '../../../src/container-io/log-pump.js';
import { CriLogWriter } from '../../../src/container-io/log-writer.js';

/** A write that completes only when the test says so. */
function gatedWriter() {
  const batches: string[][] = [];
  const gates: (() => void)[] = [];
  const write = (chunks: Buffer[]) => { batches.push(chunks.map((c) => c.toString())); return new Promise<void>((r) => gates.push(r)); };
  const open = () => { while (gates.length) gates.shift()!(); };
  return { batches, write, open };
}
const tick = () => new Promise((r) => setImmediate(r));

test('drainInBatches: chunks that arrive during a write form the next batch, in order', async () => {
  const src = new PassThrough();
  const g = gatedWriter();
  const seen: string[] = [];
  const done = drainInBatches(src, (c) => seen.push(c.toString()), g.write);
  src.write('a');
  await tick();
  src.write('b');
  src.write('c');
  await tick();
  assert.deepEqual(g.batches, [['a']], 'nothing more is written while the first write is in flight');
  g.open();
  await tick();
  assert.deepEqual(g.batches, [['a'], ['b', 'c']]);
  src.end('d');
  g.open();
  await tick();
  g.open();
  await done;
  assert.deepEqual(g.batches, [['a'], ['b', 'c'], ['d']]);
  assert.deepEqual(seen, ['a', 'b', 'c', 'd']);
});

test('drainInBatches: the source is paused while a write is in flight and enough waits, and resumed when those bytes are written', async () => {
  const src = new PassThrough();
  const g = gatedWriter();
  const done = drainInBatches(src, () => undefined, g.write, 10);
  src.write('first');
  await tick();
  src.write('0123456789');
  await tick();
  assert.equal(src.isPaused(), true, 'paused: a write in flight and 10 bytes waiting');
  assert.equal(src.write('x'.repeat(64 * 1024)), false, 'the producer sees backpressure');
  g.open();
  await tick();
  assert.deepEqual(g.batches.slice(0, 2), [['first'], ['0123456789']]);
  assert.equal(g.batches.length, 2, 'the held-back 64 KiB waits for the write in flight');
  g.open();
  await tick();
  assert.equal(g.batches[2]?.join('').length, 64 * 1024, 'resumed: the producer\'s chunk came through as the next batch');
  src.end();
  for (let i = 0; i < 5; i++) { g.open(); await tick(); }
  await done;
  assert.equal(g.batches.flat().join('').length, 'first0123456789'.length + 64 * 1024);
});

test('drainInBatches: a stream error rejects after what came before it was written', async () => {
  const src = new PassThrough();
  const g = gatedWriter();
  const done = drainInBatches(src, () => undefined, g.write);
  src.write('one');
  await tick();
  src.write('two');
  await tick();
  src.destroy(new Error('pipe broke'));
  let settled = false;
  done.catch(() => undefined).finally(() => { settled = true; });
  await tick();
  assert.equal(settled, false, 'still writing');
  g.open();
  await tick();
  g.open();
  await assert.rejects(done, /pipe broke/);
  assert.deepEqual(g.batches, [['one'], ['two']]);
});

test('CriLogWriter.writeChunks: the same records as writing the chunks one by one', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-logpump-'));
  try {
    const t = 1_700_000_000_000_000_000n;
    const clock = () => t;
    const chunks = ['alpha\nbe', 'ta\r\ngam', 'ma\n', 'delta'].map((s) => Buffer.from(s));
    const a = await CriLogWriter.open(join(dir, 'a.log'), { clock });
    await a.writeChunks('stdout', chunks);
    await a.close();
    const b = await CriLogWriter.open(join(dir, 'b.log'), { clock });
    for (const c of chunks) await b.write('stdout', c);
    await b.close();
    const text = readFileSync(join(dir, 'a.log'), 'utf8');
    assert.equal(text, readFileSync(join(dir, 'b.log'), 'utf8'));
    assert.deepEqual(text.split('\n').filter(Boolean).map((l) => l.split(' ').slice(1).join(' ')), ['stdout F alpha', 'stdout F beta', 'stdout F gamma', 'stdout P delta']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
