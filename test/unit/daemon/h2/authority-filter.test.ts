/**
 * The client→server frame filter: header blocks with a path as :authority come out re-encoded with `localhost`
 * and decodable by an independent HPACK decoder standing for nghttp2 (whose table only ever sees what the filter
 * forwards); everything else comes out byte for byte, whatever the chunking.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthorityFilter } from '../../../../src/daemon/h2/authority-filter.js';
import { FrameType, Flags, PREFACE } from '../../../../src/daemon/h2/frames.js';
import { HpackDecoder, HpackEncoder } from '../../../../src/daemon/h2/hpack.js';
import { H2ProtocolError } from '../../../../src/daemon/h2/errors.js';
import { frame, grpcMessage, parseFrames, settingsFrame, windowUpdate, type Frame } from '../../../helpers/h2.js';

type Headers = [string, string][];
const SOCK = '/var/run/wincri/wincri.sock';
const req = (authority: string, path = '/runtime.v1.RuntimeService/Version', extra: Headers = []): Headers => [
  [':method', 'POST'], [':scheme', 'http'], [':path', path], [':authority', authority],
  ['content-type', 'application/grpc'], ['user-agent', 'grpc-go/1.33.3'], ['te', 'trailers'], ...extra];

/** Chunkings of a byte stream: whole, byte by byte, 7-byte pieces, deterministic pseudo-random pieces. */
function chunkings(b: Buffer): Buffer[][] {
  const pieces = (sizes: () => number): Buffer[] => {
    const out: Buffer[] = [];
    for (let off = 0; off < b.length;) { const n = sizes(); out.push(Buffer.from(b.subarray(off, off + n))); off += n; }
    return out;
  };
  let seed = 42;
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return 1 + (seed % 300); };
  return [[Buffer.from(b)], pieces(() => 1), pieces(() => 7), pieces(rnd)];
}

function run(chunks: Buffer[]): { out: Buffer; filter: AuthorityFilter } {
  const filter = new AuthorityFilter();
  return { out: Buffer.concat(chunks.flatMap((c) => filter.push(c))), filter };
}

/** What a server sees: non-header frames, and header blocks decoded by its own decoder. */
function serverView(out: Buffer): { blocks: { streamId: number; flags: number; priority: string | null; headers: Headers }[]; other: Frame[]; maxFrame: number } {
  assert.deepEqual(out.subarray(0, PREFACE.length), PREFACE);
  const { frames, rest } = parseFrames(out.subarray(PREFACE.length));
  assert.equal(rest.length, 0);
  const dec = new HpackDecoder();
  const blocks: { streamId: number; flags: number; priority: string | null; headers: Headers }[] = [];
  const other: Frame[] = [];
  let pending: { streamId: number; flags: number; priority: string | null; parts: Buffer[] } | null = null;
  for (const f of frames) {
    if (f.type === FrameType.HEADERS) {
      let p = f.payload;
      const pad = f.flags & Flags.PADDED ? p[0]! : 0;
      if (f.flags & Flags.PADDED) p = p.subarray(1);
      const priority = f.flags & Flags.PRIORITY ? p.subarray(0, 5).toString('hex') : null;
      if (priority) p = p.subarray(5);
      pending = { streamId: f.streamId, flags: f.flags, priority, parts: [p.subarray(0, p.length - pad)] };
    } else if (f.type === FrameType.CONTINUATION) {
      assert.equal(f.streamId, pending!.streamId);
      pending!.parts.push(f.payload);
    } else {
      assert.equal(pending, null, 'no frame inside a header block');
      other.push(f);
      continue;
    }
    if (f.flags & Flags.END_HEADERS) {
      blocks.push({ streamId: pending!.streamId, flags: pending!.flags & (Flags.END_STREAM | Flags.PRIORITY), priority: pending!.priority, headers: dec.decode(Buffer.concat(pending!.parts)).map((h) => [h.name, h.value]) });
      pending = null;
    }
  }
  return { blocks, other, maxFrame: Math.max(...frames.map((f) => f.payload.length)) };
}

/** HEADERS (optionally padded / with priority) + CONTINUATIONs carrying `block` cut at `cuts`. */
function headerFrames(streamId: number, block: Buffer, opts: { cuts?: number[]; pad?: number; priority?: Buffer; endStream?: boolean } = {}): Buffer {
  const cuts = [0, ...(opts.cuts ?? []), block.length];
  const out: Buffer[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const frag = block.subarray(cuts[i], cuts[i + 1]);
    const last = i + 2 === cuts.length ? Flags.END_HEADERS : 0;
    if (i > 0) { out.push(frame(FrameType.CONTINUATION, last, streamId, frag)); continue; }
    const pad = opts.pad ?? -1;
    const flags = last | (opts.endStream ? Flags.END_STREAM : 0) | (pad >= 0 ? Flags.PADDED : 0) | (opts.priority ? Flags.PRIORITY : 0);
    out.push(frame(FrameType.HEADERS, flags, streamId, Buffer.concat([
      pad >= 0 ? Buffer.from([pad]) : Buffer.alloc(0), opts.priority ?? Buffer.alloc(0), frag, Buffer.alloc(Math.max(pad, 0), 0xaa)])));
  }
  return Buffer.concat(out);
}

const ping = frame(FrameType.PING, 0, 0, Buffer.from('01234567'));
const data = (s: number, body: string): Buffer => frame(FrameType.DATA, Flags.END_STREAM, s, grpcMessage(Buffer.from(body)));

test('a client that sends a valid authority passes through byte for byte, non-header frames as views of the input', () => {
  const enc = new HpackEncoder({ huffman: true });
  const stream = Buffer.concat([PREFACE, settingsFrame([[1, 8192], [4, 1 << 20]]), windowUpdate(0, 1 << 20),
    headerFrames(1, enc.encode(req('localhost'))), data(1, 'a'), ping,
    headerFrames(3, enc.encode(req('localhost', '/runtime.v1.ImageService/ListImages')), { cuts: [3, 5], pad: 4 }), data(3, 'b'),
    frame(FrameType.RST_STREAM, 0, 3, Buffer.alloc(4)), frame(FrameType.PRIORITY, 0, 5, Buffer.alloc(5))]);
  for (const chunks of chunkings(stream)) {
    const { out, filter } = run(chunks);
    assert.deepEqual(out, stream);
    assert.equal(filter.rewrites, 0);
  }
  const one = Buffer.concat([PREFACE, settingsFrame(), data(1, 'x'.repeat(1000)), ping]);
  const outs = new AuthorityFilter().push(one);
  assert.equal(outs.length, 1, 'adjacent pass-through slices are merged');
  assert.equal(outs[0]!.buffer, one.buffer, 'no copy');
});

for (const huffman of [false, true]) {
  test(`path authorities are rewritten to localhost; the server's decoder stays in step (Huffman ${huffman})`, () => {
    const enc = new HpackEncoder({ huffman });
    const prio = Buffer.from([0x80, 0, 0, 1, 200]);
    const blocks: Headers[] = [];
    const parts: Buffer[] = [PREFACE, settingsFrame([[1, 0]])];
    const add = (s: number, h: Headers, opts: Parameters<typeof headerFrames>[2] = {}): void => {
      blocks.push(h);
      parts.push(headerFrames(s, enc.encode(h), opts), data(s, `req${s}`), ping);
    };
    // a valid block first: forwarded verbatim, its insertions land in both tables
    add(1, req('localhost', '/runtime.v1.RuntimeService/Status', [['x-trace', 'one']]));
    add(3, req(SOCK), { pad: 9, priority: prio }); // :authority inserted by incremental indexing
    add(5, req(SOCK, '/runtime.v1.ImageService/ListImages', [['x-trace', 'one']]), { cuts: [1, 4] }); // indexed references
    enc.setTableSize(120); // evictions from here on
    add(7, req(SOCK, '/runtime.v1.RuntimeService/Version', [['x-a', '1'], ['x-b', '2']]), { pad: 0 });
    enc.setTableSize(0);
    enc.setTableSize(4096);
    add(9, req('//./pipe/wincri', '/runtime.v1.RuntimeService/Version', [['host', 'a/b'], ['x-a', '1']]));
    add(11, req(SOCK, '/x', [['x-big', 'v'.repeat(20000)]]), { cuts: [16000] });
    add(13, req(SOCK), { endStream: true });
    const stream = Buffer.concat(parts);
    for (const chunks of chunkings(stream)) {
      const { out, filter } = run(chunks);
      const view = serverView(out);
      const fix = (h: Headers): Headers => h.map(([n, v]) => [n, (n === ':authority' || n === 'host') && v.includes('/') ? 'localhost' : v]);
      assert.deepEqual(view.blocks.map((b) => b.headers), blocks.map(fix));
      assert.deepEqual(view.blocks.map((b) => b.streamId), [1, 3, 5, 7, 9, 11, 13]);
      assert.equal(view.blocks[1]!.priority, prio.toString('hex'), 'priority fields kept');
      assert.equal(view.blocks[6]!.flags & Flags.END_STREAM, Flags.END_STREAM, 'END_STREAM kept');
      assert.equal(view.blocks[0]!.flags & Flags.END_STREAM, 0);
      assert.ok(view.maxFrame <= 16384, `frame of ${view.maxFrame} bytes`);
      const expectOther = parseFrames(Buffer.concat([settingsFrame([[1, 0]]), ...blocks.flatMap((_, i) => [data(2 * i + 1, `req${2 * i + 1}`), ping])])).frames;
      assert.deepEqual(view.other, expectOther, 'non-header frames unchanged');
      assert.equal(filter.rewrites, 6);
      assert.equal(filter.originalAuthority, SOCK);
    }
  });
}

test('malformed client streams throw H2ProtocolError (the connection is dropped, nothing else)', () => {
  const enc = (): Buffer => new HpackEncoder().encode(req(SOCK));
  const bad: Record<string, Buffer> = {
    'bad preface': Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
    'CONTINUATION without HEADERS': Buffer.concat([PREFACE, frame(FrameType.CONTINUATION, Flags.END_HEADERS, 1, enc())]),
    'frame inside a header block': Buffer.concat([PREFACE, frame(FrameType.HEADERS, 0, 1, enc()), ping]),
    'CONTINUATION on another stream': Buffer.concat([PREFACE, frame(FrameType.HEADERS, 0, 1, enc()), frame(FrameType.CONTINUATION, Flags.END_HEADERS, 3, Buffer.alloc(0))]),
    'padding longer than the frame': Buffer.concat([PREFACE, frame(FrameType.HEADERS, Flags.END_HEADERS | Flags.PADDED, 1, Buffer.from([200, 0x82]))]),
    'index out of range': Buffer.concat([PREFACE, frame(FrameType.HEADERS, Flags.END_HEADERS, 1, Buffer.from([0xff, 0x10]))]),
    'table size update above the limit': Buffer.concat([PREFACE, frame(FrameType.HEADERS, Flags.END_HEADERS, 1, Buffer.from('3fe1ffff03', 'hex'))]),
  };
  for (const [name, stream] of Object.entries(bad)) {
    assert.throws(() => new AuthorityFilter().push(stream), H2ProtocolError, name);
  }
});

test('onPing: well-formed client PINGs go to it whole (however the bytes are cut); answered ones are dropped, the rest pass as they came', () => {
  const p = (payload: string, flags = 0, streamId = 0): Buffer => frame(FrameType.PING, flags, streamId, Buffer.from(payload));
  const stream = Buffer.concat([PREFACE, settingsFrame(), p('answer-1'), data(1, 'a'), p('pass-on2'), p('ack-0003', 1), p('short'), p('stream-4', 0, 1), p('answer-5')]);
  const passedOn = Buffer.concat([PREFACE, settingsFrame(), data(1, 'a'), p('pass-on2'), p('ack-0003', 1), p('short'), p('stream-4', 0, 1)]);
  for (const chunks of chunkings(stream)) {
    const pings: string[] = [];
    const filter = new AuthorityFilter({ onPing: (b) => { pings.push(b.toString()); return !b.toString().startsWith('pass'); } });
    const out = Buffer.concat(chunks.flatMap((c) => filter.push(c)));
    assert.deepEqual(pings, ['answer-1', 'pass-on2', 'answer-5'], 'ACKs, short PINGs and PINGs on a stream are left to the server');
    assert.deepEqual(out, passedOn);
  }
  assert.deepEqual(run([stream]).out, stream, 'without onPing every PING passes');
});
