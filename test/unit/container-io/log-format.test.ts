/**
 * formatChunk (the fast path of the log writer) gives byte for byte the records of the general path
 * (LineSplitter.push + one header per fragment) for any cut of any input: CRLF, empty lines, lines longer than
 * the limit, lines spread over many chunks, a `\r` held at the limit; CriLogWriter.writeChunks writes a batch as
 * the same records as chunk-by-chunk writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineSplitter } from '../../../src/container-io/log-lines.js';
import { CriLogWriter } from '../../../src/container-io/log-writer.js';
import { formatChunk, formatFragments } from '../../../src/container-io/log-format.js';

const heads = { full: Buffer.from('TS stdout F '), part: Buffer.from('TS stdout P ') };

function randomInput(max: number): Buffer {
  const parts: string[] = [];
  for (let i = 0; i < 200; i++) {
    const kind = randomInt(10);
    const len = kind === 0 ? max + randomInt(3 * max) : kind === 1 ? max : kind === 2 ? 0 : randomInt(1, 120);
    const body = 'x'.repeat(len);
    parts.push(body + (randomInt(4) === 0 ? '\r\n' : '\n'));
  }
  parts.push('unterminated tail');
  return Buffer.from(parts.join(''));
}

function cut(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let o = 0; o < b.length;) { const n = randomInt(1, 700); out.push(b.subarray(o, o + n)); o += n; }
  return out;
}

for (const max of [0, 64, 100]) {
  test(`formatChunk: the same records as the general path (maxLineSize ${max})`, () => {
    for (let round = 0; round < 30; round++) {
      const chunks = cut(randomInput(max || 64));
      const fast = new LineSplitter(max);
      const slow = new LineSplitter(max);
      const a: Buffer[] = [];
      let ra = 0;
      const b: Buffer[] = [];
      let rb = 0;
      for (const c of chunks) {
        ra += formatChunk(fast, c, heads, a);
        const frags = slow.push(c);
        rb += frags.length;
        if (frags.length) b.push(formatFragments(heads, frags));
      }
      assert.equal(fast.buffered, slow.buffered, 'the same tail is held back');
      assert.equal(ra, rb, 'the same number of records');
      assert.equal(Buffer.concat(a).toString(), Buffer.concat(b).toString());
    }
  });
}

test('formatChunk: whole lines of one chunk, CRLF stripped, tail held', () => {
  const s = new LineSplitter(100);
  const out: Buffer[] = [];
  assert.equal(formatChunk(s, Buffer.from('a\r\n\nbc\nde'), heads, out), 3);
  assert.equal(Buffer.concat(out).toString(), 'TS stdout F a\nTS stdout F \nTS stdout F bc\n');
  assert.equal(s.buffered, 2);
  const more: Buffer[] = [];
  assert.equal(formatChunk(s, Buffer.from('f\n'), heads, more), 1);
  assert.equal(Buffer.concat(more).toString(), 'TS stdout F def\n');
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

test('formatChunk: an allocator\'s leftover bytes never reach the records', () => {
  // The writer's record buffers come from a pool (contents undefined): a CRLF line's record is a byte shorter than
  // the room counted for it, and only the bytes written may go out.
  const s = new LineSplitter(100);
  const out: Buffer[] = [];
  const dirty = (n: number) => Buffer.alloc(n, 0xaa);
  assert.equal(formatChunk(s, Buffer.from('a\r\n\r\nbc\r\nd\nrest'), heads, out, dirty), 4);
  const text = Buffer.concat(out);
  assert.equal(text.toString(), 'TS stdout F a\nTS stdout F \nTS stdout F bc\nTS stdout F d\n');
  assert.equal(text.indexOf(0xaa), -1);
});

test('CriLogWriter: batches in flight together, on pooled record buffers, each reach the file intact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-logpump-'));
  try {
    const t = 1_700_000_000_000_000_000n;
    const w = await CriLogWriter.open(join(dir, 'a.log'), { clock: () => t });
    const want: string[] = [];
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      const lines = Array.from({ length: 700 + i }, (_, j) => `${i}:${j}:${'y'.repeat(60)}`);
      want.push(...lines);
      // ≥ 32 KiB of records: a pool buffer each; not awaited, so several are in flight at once.
      writes.push(w.writeChunks('stdout', [Buffer.from(lines.join('\r\n') + '\r\n')]));
    }
    await Promise.all(writes);
    await w.close();
    const got = readFileSync(join(dir, 'a.log'), 'latin1').split('\n').filter(Boolean).map((l) => l.split(' ').slice(3).join(' '));
    assert.deepEqual(got, want);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
