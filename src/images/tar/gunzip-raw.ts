/**
 * gunzip without the CRC-32, for layer blobs only: the first gzip member's header and trailer (RFC 1952) are
 * parsed here and its deflate data inflated raw, so zlib computes no CRC over the expanded bytes — a full pass over
 * every byte of a layer, about a tenth of the unpack's CPU. Integrity does not rest on it: the caller hashes
 * every expanded byte for the layer's diff ID, which the image config (itself checked by digest) names, and the
 * layer is refused when they differ. The trailer's length (ISIZE) is still checked. Members follow one another;
 * after the last one only zero bytes (padding, which zlib accepts too) may follow: anything else is refused, as
 * containerd's reader does (Node's gunzip ignores what follows a zero byte: stricter here).
 */
import { createGunzip, createInflateRaw, type Gunzip, type InflateRaw } from 'node:zlib';
import { TarFormatError } from './format.js';
import { Input } from './gunzip-input.js';

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

/** Longest FNAME or FCOMMENT field accepted, its terminating zero included (FEXTRA's 16-bit length bounds it alike). */
export const MAX_HEADER_FIELD = 64 * 1024;

const corrupt = (why: string) => new TarFormatError(`corrupt gzip stream: ${why}`);

/** Reads a member header (the magic already seen); leaves the input at the deflate data. */
async function readHeader(input: Input): Promise<void> {
  if (!(await input.need(10))) throw corrupt('unexpected end of file in the gzip header');
  if (input.at(2) !== 8) throw corrupt('unknown compression method');
  const flags = input.at(3);
  if (flags & 0xe0) throw corrupt('reserved gzip header flags set');
  input.skip(10);
  if (flags & FEXTRA) { // XLEN is 16 bits: at most 64 KiB buffered
    if (!(await input.need(2))) throw corrupt('unexpected end of file in the gzip header');
    const xlen = input.at(0) | (input.at(1) << 8);
    if (!(await input.need(2 + xlen))) throw corrupt('unexpected end of file in the gzip header');
    input.skip(2 + xlen);
  }
  for (const f of [FNAME, FCOMMENT]) {
    if (!(flags & f)) continue;
    const r = await input.skipThroughZero(MAX_HEADER_FIELD);
    if (r === 'eof') throw corrupt('unexpected end of file in the gzip header');
    if (r === 'long') throw corrupt(`gzip header ${f === FNAME ? 'file name' : 'comment'} longer than ${MAX_HEADER_FIELD} bytes`);
  }
  if (flags & FHCRC) {
    if (!(await input.need(2))) throw corrupt('unexpected end of file in the gzip header');
    input.skip(2);
  }
}

/**
 * Feeds the input to `z` and yields its output until it ends: a raw inflater with its member's deflate data, a
 * gunzip with the last member (it stops at a zero byte: padding) or with the input. What zlib was given and did
 * not consume (it counts what it consumed in bytesWritten) goes back to the input. Returns the expanded size.
 */
async function* inflate(input: Input, z: InflateRaw | Gunzip): AsyncGenerator<Buffer, number> {
  let ended = false;
  let failed = false;
  z.once('end', () => { ended = true; });
  // Fed chunks not yet wholly consumed by zlib, from byte `from` on; `total` bytes fed in all.
  const fed: Buffer[] = [];
  let from = 0;
  let total = 0;
  const release = () => { while (fed.length && from + fed[0]!.length <= z.bytesWritten) from += fed.shift()!.length; };
  // Settles once zlib has processed the chunk (its output taken: the consumer's pace) or the stream has failed.
  const write = (c: Buffer) => new Promise<void>((resolve) => {
    const done = () => { z.off('error', done).off('close', done); resolve(); };
    z.on('error', done).on('close', done);
    z.write(c, () => { release(); done(); });
  });
  const feed = (async () => {
    for (let written = Promise.resolve(); ;) {
      const c = await input.chunk();
      await written;
      // Input left unconsumed after a write means zlib's data has ended: it gets no more.
      if (ended || failed || z.bytesWritten < total) { if (c) input.unshift([c]); return; }
      if (c === undefined) { z.end(); return; }
      fed.push(c);
      total += c.length;
      written = write(c);
    }
  })();
  // A failing source fails the output (the loop below throws its error) instead of leaving it waiting.
  feed.catch((e: unknown) => { if (!ended && !failed) z.destroy(e instanceof Error ? e : new Error(String(e))); });
  let out = 0;
  try {
    for await (const b of z) { out += (b as Buffer).length; yield b as Buffer; }
  } catch (e) {
    failed = true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw corrupt((e as Error).message);
    throw e;
  } finally {
    if (!ended) { failed = true; z.destroy(); }
  }
  await feed; // settled: the output ended
  // What zlib was given past the end of its data goes back to the input (the trailer, the next member, padding).
  let skip = z.bytesWritten - from;
  const rest: Buffer[] = [];
  for (const c of fed) {
    if (skip >= c.length) { skip -= c.length; continue; }
    rest.push(c.subarray(skip));
    skip = 0;
  }
  input.unshift(rest);
  return out;
}

/** After the last member: zero padding is accepted, any other byte is refused. */
async function refuseTrailingGarbage(input: Input): Promise<void> {
  for (let at = 0; ;) {
    const c = await input.chunk();
    if (c === undefined) return;
    for (let i = 0; i < c.length; i++) if (c[i] !== 0) throw corrupt(`trailing garbage after the gzip data (byte ${at + i} after the last member)`);
    at += c.length;
  }
}

const startsMember = async (input: Input) => (await input.need(2)) && input.at(0) === 0x1f && input.at(1) === 0x8b;

/**
 * The expanded bytes of a gzip stream (it starts with the gzip magic), the first member's CRC-32 not computed.
 * Further members (eStargz writes one per file chunk, thousands of small ones) go to one zlib gunzip, which
 * checks their CRC: a raw inflater per member, set up with a 1 MiB output buffer each, costs far more there.
 */
export async function* gunzipWithoutCrc(source: AsyncIterable<Buffer>, chunkSize: number): AsyncGenerator<Buffer> {
  const input = new Input(source[Symbol.asyncIterator]());
  if (!(await startsMember(input))) throw corrupt('incorrect header check');
  await readHeader(input);
  const size = yield* inflate(input, createInflateRaw({ chunkSize }));
  if (!(await input.need(8))) throw corrupt('unexpected end of file in the gzip trailer');
  const isize = (input.at(4) | (input.at(5) << 8) | (input.at(6) << 16) | (input.at(7) << 24)) >>> 0;
  if (isize !== size % 2 ** 32) throw corrupt(`the trailer says ${isize} bytes (mod 2^32), the data expands to ${size}`);
  input.skip(8);
  if (await startsMember(input)) yield* inflate(input, createGunzip({ chunkSize }));
  await refuseTrailingGarbage(input);
}
