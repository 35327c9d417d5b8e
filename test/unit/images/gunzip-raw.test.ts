/** gunzip without the CRC-32 (gunzip-raw.ts): the same bytes as zlib's gunzip, header fields, members, and damaged streams refused. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import zlib, { gzipSync, gunzipSync } from 'node:zlib';
import { syncBuiltinESMExports } from 'node:module';
import { gunzipWithoutCrc, MAX_HEADER_FIELD } from '../../../src/images/tar/gunzip-raw.js';
import { TarFormatError } from '../../../src/images/tar/format.js';

async function* chunks(b: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size);
}
async function expand(b: Buffer, size = 65536, outChunk = 16384): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of gunzipWithoutCrc(chunks(b, size), outChunk)) out.push(c);
  return Buffer.concat(out);
}
const data = Buffer.concat([randomBytes(300_000), Buffer.alloc(400_000, 'text '), randomBytes(1000)]);

/** A gzip member with the optional header fields set (FEXTRA, FNAME, FCOMMENT, FHCRC: zlib's gunzip checks it). */
function withHeaderFields(gz: Buffer): Buffer {
  const extra = Buffer.from([4, 0, 1, 2, 3, 4]);
  const head = Buffer.from(gz.subarray(0, 10));
  head[3] = 2 | 4 | 8 | 16;
  const fields = Buffer.concat([head, extra, Buffer.from('name.tar\0comment\0')]);
  const hcrc = Buffer.alloc(2);
  hcrc.writeUInt16LE(zlib.crc32(fields) & 0xffff);
  return Buffer.concat([fields, hcrc, gz.subarray(10)]);
}

test('expands as zlib gunzip does, whatever the input chunking', async () => {
  const gz = gzipSync(data, { level: 1 });
  for (const size of [1, 7, 8, 10, 4096, 1 << 20]) {
    const b = size === 1 ? gzipSync(data.subarray(0, 5000)) : gz;
    assert.ok((await expand(b, size)).equals(gunzipSync(b)), `chunk size ${size}`);
  }
});

test('optional header fields are skipped; several members follow one another; trailing zero padding is accepted', async () => {
  const a = gzipSync(data.subarray(0, 100_000));
  const b = gzipSync(data.subarray(100_000));
  assert.ok((await expand(withHeaderFields(a), 3)).equals(data.subarray(0, 100_000)));
  assert.ok((await expand(Buffer.concat([a, b]), 5000)).equals(data));
  assert.ok((await expand(Buffer.concat([a, withHeaderFields(b), Buffer.alloc(3000)]), 777)).equals(data));
  assert.ok((await expand(Buffer.concat([a, Buffer.from([0])]), 777)).equals(data.subarray(0, 100_000)));
  assert.ok((await expand(gzipSync(Buffer.alloc(0)))).equals(Buffer.alloc(0)));
});

test('damaged streams: TarFormatError naming the fault', async () => {
  const gz = gzipSync(data, { level: 6 });
  const bad = async (b: Buffer, re: RegExp) => assert.rejects(expand(b, 4096), (e) => e instanceof TarFormatError && re.test(e.message));
  await bad(Buffer.from('not gzip at all'), /incorrect header check/);
  await bad(Buffer.concat([gz.subarray(0, 2), Buffer.from([7]), gz.subarray(3)]), /unknown compression method/);
  await bad(gz.subarray(0, 6), /unexpected end of file in the gzip header/);
  await bad(gz.subarray(0, gz.length - 100), /corrupt gzip stream/);
  await bad(gz.subarray(0, gz.length - 3), /unexpected end of file in the gzip trailer/);
  const isize = Buffer.from(gz);
  isize[isize.length - 1] ^= 1;
  await bad(isize, /the trailer says/);
  // Damage to Huffman-coded data (a stored block's bytes would just expand differently: see the next test).
  const deflate = Buffer.from(gzipSync(Buffer.alloc(400_000, 'text ')));
  for (let i = 12; i < 30; i++) deflate[i] ^= 0x5a;
  await bad(deflate, /corrupt gzip stream/);
});

test('the CRC-32 is not checked: a wrong CRC expands, and so does a changed byte in a stored block (the caller hashes what expands)', async () => {
  const gz = Buffer.from(gzipSync(data));
  gz[gz.length - 8] ^= 0xff;
  assert.throws(() => gunzipSync(gz));
  assert.ok((await expand(gz)).equals(data));
  const stored = Buffer.from(gzipSync(data, { level: 1 }));
  stored[1000] ^= 0xff; // inside the first (stored: random bytes) block
  const out = await expand(stored);
  assert.equal(out.length, data.length);
  assert.ok(!out.equals(data));
});

test('a source that fails mid-stream fails the output with its error', async () => {
  const gz = gzipSync(data, { level: 1 });
  async function* failing(): AsyncGenerator<Buffer> {
    yield gz.subarray(0, 200_000);
    await new Promise((r) => setTimeout(r, 20));
    throw new Error('connection reset');
  }
  await assert.rejects((async () => { for await (const _ of gunzipWithoutCrc(failing(), 16384)) { /* drain */ } })(), /connection reset/);
});

test('a header name or comment that never ends fails after MAX_HEADER_FIELD bytes, not at the end of the input', async () => {
  for (const flag of [8, 16]) {
    const head = Buffer.from([0x1f, 0x8b, 8, flag, 0, 0, 0, 0, 0, 0xff]);
    const chunk = Buffer.alloc(65536, 'n');
    let consumed = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      yield head;
      for (let i = 0; i < 64; i++) { consumed += chunk.length; yield chunk; } // 4 MiB, no zero byte
    }
    await assert.rejects((async () => { for await (const _ of gunzipWithoutCrc(endless(), 16384)) { /* drain */ } })(),
      (e) => e instanceof TarFormatError && /longer than 65536 bytes/.test(e.message));
    assert.ok(consumed <= MAX_HEADER_FIELD + 2 * chunk.length, `read ${consumed} bytes`);
  }
  // A field of exactly MAX_HEADER_FIELD bytes (its zero included) is accepted, one more is not.
  const gz = gzipSync(data.subarray(0, 1000));
  const named = (n: number) => {
    const head = Buffer.from(gz.subarray(0, 10));
    head[3] = 8;
    return Buffer.concat([head, Buffer.alloc(n - 1, 'n'), Buffer.from([0]), gz.subarray(10)]);
  };
  assert.ok((await expand(named(MAX_HEADER_FIELD), 1000)).equals(data.subarray(0, 1000)));
  await assert.rejects(expand(named(MAX_HEADER_FIELD + 1), 1000), /longer than/);
});

test('trailing bytes after the last member other than zero padding are refused, as zlib and containerd do', async () => {
  const a = gzipSync(data.subarray(0, 100_000));
  const b = gzipSync(data.subarray(100_000));
  for (const [tail, size] of [['garbage', 777], ['\0\0garbage', 777], ['x', 4096], ['\x1f', 4096], ['\0'.repeat(5000) + '!', 1000]] as const) {
    for (const body of [[a], [a, b]]) {
      const gz = Buffer.concat([...body, Buffer.from(tail, 'latin1')]);
      await assert.rejects(expand(gz, size), (e) => e instanceof TarFormatError && /trailing garbage|corrupt gzip stream/.test(e.message), JSON.stringify(tail));
    }
  }
  assert.throws(() => gunzipSync(Buffer.concat([a, b, Buffer.from('garbage')])));
  // Zero padding arriving in chunks of its own, right at a member's end, is accepted.
  for (const size of [a.length, a.length + b.length]) {
    assert.ok((await expand(Buffer.concat([a, b, Buffer.alloc(size)]), size)).equals(data), `chunk size ${size}`);
  }
});

/** Runs `f` counting the zlib streams gunzip-raw.ts creates (its named imports follow syncBuiltinESMExports). */
async function countingZlibStreams<T>(f: () => Promise<T>): Promise<{ result: T; streams: number }> {
  const z = zlib as unknown as Record<string, (...a: unknown[]) => unknown>;
  const orig = { createInflateRaw: z.createInflateRaw!, createGunzip: z.createGunzip! };
  let streams = 0;
  const set = (name: string, value: unknown) => Object.defineProperty(z, name, { value }); // read-only, configurable
  for (const [name, fn] of Object.entries(orig)) set(name, (...a: unknown[]) => { streams++; return fn(...a); });
  syncBuiltinESMExports();
  try {
    return { result: await f(), streams };
  } finally {
    for (const [name, fn] of Object.entries(orig)) set(name, fn);
    syncBuiltinESMExports();
  }
}

test('many members (eStargz writes one per chunk): same bytes as zlib, one raw inflater then one gunzip, not one per member', async () => {
  const empty = gzipSync(Buffer.alloc(0));
  const members: Buffer[] = [];
  for (let i = 0; i < 20_000; i++) members.push(i % 2000 === 1 ? gzipSync(data.subarray(i * 30, i * 30 + 5000)) : empty);
  const gz = Buffer.concat([...members, Buffer.alloc(10)]);
  const { result, streams } = await countingZlibStreams(() => expand(gz, 4096));
  assert.ok(result.equals(gunzipSync(gz)));
  assert.equal(result.length, 10 * 5000);
  assert.equal(streams, 2);
  // The members after the first have their CRC checked (zlib's gunzip), the first still not.
  const badLater = Buffer.concat([empty, gzipSync(data.subarray(0, 5000))]);
  badLater[badLater.length - 8] ^= 0xff;
  await assert.rejects(expand(badLater), (e) => e instanceof TarFormatError && /incorrect data check/.test(e.message));
  const badFirst = Buffer.concat([gzipSync(data.subarray(0, 5000)), empty]);
  badFirst[badFirst.length - empty.length - 8] ^= 0xff;
  assert.ok((await expand(badFirst)).equals(data.subarray(0, 5000)));
});
