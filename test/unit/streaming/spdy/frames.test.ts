import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from '../../../../src/streaming/spdy/dictionary.js';
import { FrameParser, SpdyProtocolError } from '../../../../src/streaming/spdy/parser.js';
import { decodeControl, encodeControl, type ControlFrame } from '../../../../src/streaming/spdy/frames.js';
import { HeaderCompressor, HeaderDecompressor, zlibSyncAvailable } from '../../../../src/streaming/spdy/zlib-context.js';
import { decodeHeaderBlock, encodeHeaderBlock, type SpdyHeaders } from '../../../../src/streaming/spdy/header-block.js';
import { dataFrame, FLAG_FIN } from '../../../../src/streaming/spdy/raw.js';

type Parsed = { kind: 'control'; frame: ControlFrame } | { kind: 'data'; streamId: number; flags: number; data: Buffer };

/** Parses `bytes` fed in pieces of `step` bytes; data frame pieces are joined back into whole frames. */
function parseAll(bytes: Buffer, step: number, zd = new HeaderDecompressor()): Parsed[] {
  const out: Parsed[] = [];
  let acc: Buffer[] = [];
  const p = new FrameParser({
    control: (type, flags, payload) => out.push({ kind: 'control', frame: decodeControl(type, flags, payload, zd) }),
    data: (streamId, flags, piece, last) => {
      acc.push(piece);
      if (last) { out.push({ kind: 'data', streamId, flags, data: Buffer.concat(acc) }); acc = []; }
    },
  });
  for (let i = 0; i < bytes.length; i += step) p.push(bytes.subarray(i, i + step));
  assert.ok(p.idle, 'parser consumed every byte');
  return out;
}

const FRAMES: ControlFrame[] = [
  { type: 'syn_stream', flags: FLAG_FIN, streamId: 1, associatedId: 0, priority: 7, slot: 0, headers: { streamtype: ['error'], port: ['8080'], requestid: ['0'] } },
  { type: 'syn_stream', flags: 0, streamId: 3, associatedId: 0, priority: 0, slot: 0, headers: { streamtype: ['stdout'], multi: ['a', 'b'] } },
  { type: 'syn_reply', flags: 0, streamId: 3, headers: {} },
  { type: 'rst_stream', flags: 0, streamId: 5, status: 5 },
  { type: 'settings', flags: 0, entries: [{ flags: 1, id: 4, value: 100 }, { flags: 0, id: 7, value: 65536 }] },
  { type: 'ping', flags: 0, id: 0xfffffffd },
  { type: 'goaway', flags: 0, lastGoodStreamId: 7, status: 0 },
  { type: 'headers', flags: 0, streamId: 3, headers: { 'x-extra': ['1'] } },
  { type: 'window_update', flags: 0, streamId: 3, delta: 0x7fffffff },
];

test('SPDY/3 dictionary: 1,423 bytes, identical to spdystream spdy/dictionary.go', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  // sha256 of the byte list in moby/spdystream spdy/dictionary.go (computed from the Go source)
  assert.equal(createHash('sha256').update(SPDY3_DICTIONARY).digest('hex'), '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02');
});

test('the synchronous zlib primitive exists on this Node', () => {
  assert.ok(zlibSyncAvailable());
});

test('every control frame type and DATA round-trip, parsed whole and byte by byte', () => {
  const zc = new HeaderCompressor();
  const bytes = Buffer.concat([
    ...FRAMES.map((f) => encodeControl(f, zc)),
    dataFrame(3, 0, Buffer.from('hello')),
    dataFrame(3, FLAG_FIN, Buffer.alloc(0)),
    dataFrame(5, FLAG_FIN, Buffer.alloc(100_000, 7)),
  ]);
  for (const step of [bytes.length, 1, 7]) {
    const got = parseAll(bytes, step);
    assert.deepEqual(got.slice(0, FRAMES.length).map((g) => g.kind === 'control' && g.frame), FRAMES);
    assert.deepEqual(got.slice(FRAMES.length).map((g) => g.kind === 'data' && [g.streamId, g.flags, g.data.length]), [[3, 0, 5], [3, FLAG_FIN, 0], [5, FLAG_FIN, 100_000]]);
  }
});

test('header blocks: the persistent compressed stream decodes with a fresh zlib inflate primed with the dictionary', () => {
  const zc = new HeaderCompressor();
  const blocks: SpdyHeaders[] = [{ streamtype: ['error'] }, { streamtype: ['stdin'] }, {}, { streamtype: ['stdout'], port: ['80'] }];
  const compressed = blocks.map((b) => zc.compress(encodeHeaderBlock(b)));
  // each block ends on a sync-flush marker, so it can be decoded on its own frame boundary
  for (const c of compressed) assert.deepEqual([...c.subarray(-4)], [0, 0, 0xff, 0xff]);
  const inflated = zlib.inflateSync(Buffer.concat(compressed), { dictionary: SPDY3_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  assert.deepEqual(inflated, Buffer.concat(blocks.map(encodeHeaderBlock)));
  // and the zlib header names the SPDY dictionary (FDICT set, DICTID = adler32 of the dictionary)
  assert.equal(compressed[0]![1]! & 0x20, 0x20);
});

test('header block codec: lowercases names, merges repeats, NUL-joins values, rejects lies', () => {
  const raw = encodeHeaderBlock({ StreamType: ['data'], a: ['1', '2'] });
  assert.deepEqual(decodeHeaderBlock(raw), { streamtype: ['data'], a: ['1', '2'] });
  assert.throws(() => decodeHeaderBlock(raw.subarray(0, raw.length - 1)), SpdyProtocolError);
  assert.throws(() => decodeHeaderBlock(Buffer.from([0xff, 0xff, 0xff, 0xff])), SpdyProtocolError);
  assert.throws(() => decodeHeaderBlock(Buffer.concat([raw, Buffer.from([0])])), SpdyProtocolError);
});

test('malformed framing: wrong version, short fixed-size frames, garbage header blocks', () => {
  const zd = new HeaderDecompressor();
  const bad = (hex: string): void => assert.throws(() => parseAll(Buffer.from(hex, 'hex'), 1, zd), SpdyProtocolError, hex);
  bad('80020006000000040000000' + '1'); // SPDY/2 PING
  bad('80030006000000020000'); // PING with 2 bytes
  bad('800300030000000400000001'); // RST_STREAM with 4 bytes
  bad('8003000100000010000000010000000000000102030405060708'.slice(0, 52)); // SYN_STREAM with a non-zlib block
  assert.throws(() => new HeaderDecompressor().decompress(Buffer.from('not zlib')), SpdyProtocolError);
});

test('a control frame larger than the bound is refused before it is buffered', () => {
  const p = new FrameParser({ control: () => assert.fail('no frame'), data: () => assert.fail('no data') }, 1024);
  assert.throws(() => p.push(Buffer.from('8003000100100000', 'hex')), /too large/);
});
