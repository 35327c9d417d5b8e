import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, renameSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CriLogWriter, LineSplitter, formatRecord, formatTimestamp, nowNs, DEFAULT_MAX_LINE_SIZE, type LineFragment,
} from '../../../src/container-io/log-writer.js';

const RECORD_RE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) (stdout|stderr) ([FP]) (.*)$/s;

interface Rec { ts: string; stream: string; tag: string; content: Buffer }

/** Parses a CRI log file strictly: every record must be well formed and newline-terminated. */
function parseLog(buf: Buffer): Rec[] {
  const out: Rec[] = [];
  let start = 0;
  while (start < buf.length) {
    const nl = buf.indexOf(0x0a, start);
    assert.notEqual(nl, -1, 'file ends in an unterminated record');
    const line = buf.subarray(start, nl);
    // header is ASCII; content may be any bytes
    const head = line.subarray(0, Math.min(line.length, 60)).toString('latin1');
    const m = RECORD_RE.exec(head);
    assert.ok(m, `malformed record: ${JSON.stringify(line.toString('latin1').slice(0, 80))}`);
    const headerLen = m[1]!.length + 1 + m[2]!.length + 1 + 1 + 1;
    out.push({ ts: m[1]!, stream: m[2]!, tag: m[3]!, content: Buffer.from(line.subarray(headerLen)) });
    start = nl + 1;
  }
  return out;
}

/** Reassembles full lines per stream from records (P fragments joined until F). */
function linesOf(recs: Rec[], stream: string): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const r of recs) {
    if (r.stream !== stream) continue;
    cur += r.content.toString('utf8');
    if (r.tag === 'F') { lines.push(cur); cur = ''; }
  }
  if (cur) lines.push(cur);
  return lines;
}

function tmp(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'wincri-logw-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function frags(s: LineSplitter, ...chunks: (string | Buffer)[]): Array<[string, string]> {
  const out: LineFragment[] = [];
  for (const c of chunks) out.push(...s.push(typeof c === 'string' ? Buffer.from(c) : c));
  return out.map((f) => [f.partial ? 'P' : 'F', f.content.toString('latin1')]);
}

test('formatTimestamp: UTC RFC 3339 with nine fractional digits', () => {
  assert.equal(formatTimestamp(1732442400123456789n), '2024-11-24T10:00:00.123456789Z');
  assert.equal(formatTimestamp(1732442400000000007n), '2024-11-24T10:00:00.000000007Z');
  assert.equal(formatTimestamp(0n), '1970-01-01T00:00:00.000000000Z');
});

test('nowNs follows the wall clock and never goes backwards', () => {
  const wall = BigInt(Date.now()) * 1_000_000n;
  let prev = nowNs();
  assert.ok(prev - wall < 1_000_000_000n && wall - prev < 1_000_000_000n, 'within 1 s of Date.now()');
  for (let i = 0; i < 10000; i++) {
    const t = nowNs();
    assert.ok(t >= prev);
    prev = t;
  }
});

test('formatRecord: header, raw content bytes, newline', () => {
  const r = formatRecord('2024-11-24T10:00:00.000000001Z', 'stderr', true, Buffer.from([0xe2, 0x82]));
  assert.deepEqual(r, Buffer.concat([Buffer.from('2024-11-24T10:00:00.000000001Z stderr P '), Buffer.from([0xe2, 0x82, 0x0a])]));
  assert.equal(formatRecord('T', 'stdout', false, Buffer.from('hi')).toString(), 'T stdout F hi\n');
});

test('LineSplitter: full lines, CRLF stripped, bare CR kept, empty lines, tail held until newline', () => {
  const s = new LineSplitter();
  assert.deepEqual(frags(s, 'a\nb\r\n\n'), [['F', 'a'], ['F', 'b'], ['F', '']]);
  assert.deepEqual(frags(s, 'x\ry\r\r\n'), [['F', 'x\ry\r']]);
  assert.deepEqual(frags(s, 'hel', 'lo', ' world\r'), []);
  assert.equal(s.buffered, 'hello world\r'.length);
  assert.deepEqual(frags(s, '\nnext'), [['F', 'hello world']]);
  assert.deepEqual(s.end().map((f) => [f.partial ? 'P' : 'F', f.content.toString()]), [['P', 'next']]);
  assert.deepEqual(s.end(), []);
});

test('LineSplitter: 16 KiB split exactly at the byte limit', () => {
  const max = DEFAULT_MAX_LINE_SIZE;
  assert.equal(max, 16384);
  const s = new LineSplitter();
  // exactly max bytes → one F
  let out = s.push(Buffer.from('a'.repeat(max) + '\n'));
  assert.deepEqual(out.map((f) => [f.partial, f.content.length]), [[false, max]]);
  // max + 1 → P(max) + F(1)
  out = s.push(Buffer.from('b'.repeat(max + 1) + '\n'));
  assert.deepEqual(out.map((f) => [f.partial, f.content.length]), [[true, max], [false, 1]]);
  // 40000 bytes delivered in 7-byte chunks → P(max) P(max) F(rest), identical to one-chunk delivery
  const long = Buffer.from('c'.repeat(40000) + '\n');
  const chunked: LineFragment[] = [];
  for (let i = 0; i < long.length; i += 7) chunked.push(...s.push(long.subarray(i, i + 7)));
  assert.deepEqual(chunked.map((f) => [f.partial, f.content.length]), [[true, max], [true, max], [false, 40000 - 2 * max]]);
  // P fragments are emitted as soon as the limit is exceeded, before the newline arrives
  out = s.push(Buffer.from('d'.repeat(max + 5)));
  assert.deepEqual(out.map((f) => [f.partial, f.content.length]), [[true, max]]);
  assert.equal(s.buffered, 5);
  s.end();
});

test('LineSplitter: CRLF at the limit, across chunks, still fits one F record', () => {
  const s = new LineSplitter(8);
  assert.deepEqual(frags(s, '12345678\r'), []);
  assert.deepEqual(frags(s, '\n'), [['F', '12345678']]);
  // a CR that is not followed by LF belongs to the content and is split normally
  assert.deepEqual(frags(s, '12345678\r', 'x\n'), [['P', '12345678'], ['F', '\rx']]);
});

test('LineSplitter: non-positive limit means unlimited; the EOF tail longer than the limit is split', () => {
  const u = new LineSplitter(0);
  assert.deepEqual(u.push(Buffer.from('z'.repeat(100000) + '\n')).map((f) => f.content.length), [100000]);
  const n = new LineSplitter(-1);
  assert.equal(n.maxLineSize, 0);
  const s = new LineSplitter(4);
  assert.deepEqual(frags(s, 'abc'), []);
  assert.deepEqual(frags(s, 'd\r'), []); // 5 bytes ending in CR: held
  assert.deepEqual(s.end().map((f) => [f.partial ? 'P' : 'F', f.content.toString()]), [['P', 'abcd'], ['P', '\r']]);
});

test('CriLogWriter: F/P records, CRLF strip, partial at EOF, one file for both streams', async (t) => {
  const dir = tmp(t);
  const path = join(dir, '0.log');
  let clock = 1732442400000000000n;
  const w = await CriLogWriter.open(path, { maxLineSize: 10, clock: () => (clock += 1000n) });
  const out = w.stream('stdout');
  const err = w.stream('stderr');
  assert.equal(w.stream('stdout'), out, 'same Writable per stream');
  await new Promise<void>((r) => out.write('hello World\r\nshort\n', () => r()));
  await new Promise<void>((r) => err.write('oops\n', () => r()));
  await new Promise<void>((r) => out.end('no newline', () => r()));
  await w.close();
  const text = readFileSync(path, 'utf8');
  assert.equal(text,
    '2024-11-24T10:00:00.000001000Z stdout P hello Worl\n' +
    '2024-11-24T10:00:00.000001000Z stdout F d\n' +
    '2024-11-24T10:00:00.000001000Z stdout F short\n' +
    '2024-11-24T10:00:00.000002000Z stderr F oops\n' +
    '2024-11-24T10:00:00.000003000Z stdout P no newline\n');
});

test('CriLogWriter: timestamps are non-decreasing even when the clock steps back', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'c.log');
  const times = [5_000_000_000n, 3_000_000_000n, 7_000_000_000n, 1n];
  let i = 0;
  const w = await CriLogWriter.open(path, { clock: () => times[i++ % times.length]! });
  for (let k = 0; k < 4; k++) await w.write('stdout', Buffer.from(`l${k}\n`));
  await w.close();
  const ts = parseLog(readFileSync(path)).map((r) => r.ts);
  assert.deepEqual(ts, ['1970-01-01T00:00:05.000000000Z', '1970-01-01T00:00:05.000000000Z',
    '1970-01-01T00:00:07.000000000Z', '1970-01-01T00:00:07.000000000Z']);
});

test('CriLogWriter: concurrent stdout/stderr writes keep every record whole and each stream in order', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'mix.log');
  const w = await CriLogWriter.open(path, { maxLineSize: 1000 });
  const N = 300;
  const produce = async (name: 'stdout' | 'stderr') => {
    const s = w.stream(name);
    for (let i = 0; i < N; i++) {
      // long lines (split into P records) in odd-sized chunks
      const line = `${name}-${i}-${'x'.repeat((i * 37) % 2500)}\n`;
      const b = Buffer.from(line);
      for (let o = 0; o < b.length; o += 333) {
        if (!s.write(b.subarray(o, o + 333))) await new Promise((r) => s.once('drain', r));
      }
    }
    await new Promise<void>((r) => s.end(() => r()));
  };
  await Promise.all([produce('stdout'), produce('stderr')]);
  await w.close();
  const recs = parseLog(readFileSync(path));
  for (const r of recs) assert.ok(r.content.length <= 1000);
  for (const name of ['stdout', 'stderr'] as const) {
    const lines = linesOf(recs, name);
    assert.equal(lines.length, N);
    lines.forEach((l, i) => assert.equal(l, `${name}-${i}-${'x'.repeat((i * 37) % 2500)}`));
  }
  // both streams really interleaved at record level
  const streams = recs.map((r) => r.stream);
  assert.ok(streams.indexOf('stderr') < streams.lastIndexOf('stdout'));
});

test('CriLogWriter: UTF-8 characters split across chunks are not corrupted', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'u.log');
  const w = await CriLogWriter.open(path);
  const text = 'grüße €𝄞 日本\n';
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i++) await w.write('stdout', bytes.subarray(i, i + 1));
  await w.close();
  const recs = parseLog(readFileSync(path));
  assert.equal(recs.length, 1);
  assert.deepEqual(recs[0]!.content, Buffer.from('grüße €𝄞 日本'));
});

test('CriLogWriter: write callback fires only after the record is in the file (backpressure)', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'bp.log');
  const w = await CriLogWriter.open(path);
  const s = w.stream('stdout');
  const big = Buffer.alloc(64 * 1024, 0x61);
  big[big.length - 1] = 0x0a;
  const ok = s.write(big);
  assert.equal(ok, false, 'a chunk above highWaterMark reports backpressure');
  await new Promise((r) => s.once('drain', r));
  const recs = parseLog(readFileSync(path));
  assert.equal(recs.map((r) => r.content.length).reduce((a, b) => a + b, 0), big.length - 1);
  await new Promise<void>((r) => s.write('next\n', () => r()));
  assert.match(readFileSync(path, 'utf8'), /stdout F next\n$/);
  await w.close();
});

test('CriLogWriter: reopen after rename — old file stops growing, nothing lost or duplicated', async (t) => {
  const dir = tmp(t);
  const path = join(dir, '0.log');
  const rotated = join(dir, '0.log.20261124-100000');
  const w = await CriLogWriter.open(path);
  const N = 2000;
  let reopened = false;
  let oldSizeAtReopen = -1;
  const writer = (async () => {
    for (let i = 0; i < N; i++) {
      await w.write(i % 2 ? 'stdout' : 'stderr', Buffer.from(`line ${i}\n`));
      if (i === 700) {
        renameSync(path, rotated);
        // more lines after the rename but before the reopen still go to the renamed file
        const p = w.reopen().then(() => {
          reopened = true;
          oldSizeAtReopen = statSync(rotated).size;
          assert.ok(existsSync(path), 'the original path exists as soon as reopen resolves');
        });
        await w.write('stdout', Buffer.from(`line ${++i}\n`));
        await p;
      }
    }
  })();
  await writer;
  assert.ok(reopened);
  await w.close();
  assert.equal(statSync(rotated).size, oldSizeAtReopen, 'renamed file stopped growing');
  const oldRecs = parseLog(readFileSync(rotated));
  const newRecs = parseLog(readFileSync(path));
  assert.ok(oldRecs.length > 700 && newRecs.length > 1000);
  const all = [...oldRecs, ...newRecs].map((r) => r.content.toString());
  assert.deepEqual(all, Array.from({ length: N }, (_, i) => `line ${i}`));
});

test('CriLogWriter: missing log directory is a clear error; file mode 0640', async (t) => {
  const dir = tmp(t);
  await assert.rejects(CriLogWriter.open(join(dir, 'nope', '0.log')),
    (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && /directory .*nope does not exist/.test(e.message));
  assert.equal(existsSync(join(dir, 'nope')), false, 'does not create the directory');
  const w = await CriLogWriter.open(join(dir, 'm.log'));
  await w.close();
  assert.equal(statSync(join(dir, 'm.log')).mode & 0o777, 0o640 & ~process.umask());
});

test('CriLogWriter: close flushes unterminated tails as P; later writes and reopen fail', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'cl.log');
  const w = await CriLogWriter.open(path);
  await w.write('stdout', Buffer.from('a\npartial out'));
  await w.write('stderr', Buffer.from('partial err'));
  await w.close();
  await w.close(); // idempotent
  const recs = parseLog(readFileSync(path));
  assert.deepEqual(recs.map((r) => [r.stream, r.tag, r.content.toString()]),
    [['stdout', 'F', 'a'], ['stdout', 'P', 'partial out'], ['stderr', 'P', 'partial err']]);
  await assert.rejects(w.write('stdout', Buffer.from('x\n')), /closed/);
  await assert.rejects(w.reopen(), /closed/);
});

test('written counts records (partials included) and the bytes that reached the file', async (t) => {
  const path = join(tmp(t), 'counted.log');
  const w = await CriLogWriter.open(path, { maxLineSize: 4 });
  assert.deepEqual(w.written, { lines: 0, bytes: 0 });
  await w.write('stdout', Buffer.from('ab\nabcdefg\n'));
  await w.write('stderr', Buffer.from('x'));
  await w.close();
  const recs = parseLog(readFileSync(path));
  assert.equal(recs.length, 4); // ab, abcd (P), efg, x (P at close)
  assert.deepEqual(w.written, { lines: recs.length, bytes: statSync(path).size });
});
