/**
 * gunzip without the CRC-32, for layer blobs only: each gzip member's header and trailer (RFC 1952) are parsed
 * here and its deflate data inflated raw, so zlib computes no CRC over the expanded bytes — a full pass over
 * every byte of a layer, about a tenth of the unpack's CPU. Integrity does not rest on it: the caller hashes
 * every expanded byte for the layer's diff ID, which the image config (itself checked by digest) names, and the
 * layer is refused when they differ. The trailer's length (ISIZE) is still checked. Members follow one another;
 * after the last one only zero bytes (padding, which zlib accepts too) may follow: anything else is refused, as
 * containerd's reader does (Node's gunzip ignores what follows a zero byte: stricter here).
 */
import { createInflateRaw, type InflateRaw } from 'node:zlib';
import { TarFormatError } from './format.js';

const FHCRC = 2;
const FEXTRA = 4;
const FNAME = 8;
const FCOMMENT = 16;

/** Longest FNAME or FCOMMENT field accepted, its terminating zero included (FEXTRA's 16-bit length bounds it alike). */
export const MAX_HEADER_FIELD = 64 * 1024;

const corrupt = (why: string) => new TarFormatError(`corrupt gzip stream: ${why}`);

/** The input, readable by bytes or by chunks, with unread bytes put back in front. */
class Input {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private eof = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}

  /** At least n bytes buffered, unless the input ends first; false then. */
  async need(n: number): Promise<boolean> {
    while (this.buffered < n && !this.eof) {
      const r = await this.it.next();
      if (r.done) { this.eof = true; break; }
      if (r.value.length) { this.chunks.push(r.value); this.buffered += r.value.length; }
    }
    return this.buffered >= n;
  }

  /** Byte i of what is buffered (need(i + 1) first). */
  at(i: number): number {
    for (const c of this.chunks) { if (i < c.length) return c[i]!; i -= c.length; }
    throw new RangeError('not buffered');
  }

  /** Drops n buffered bytes. */
  skip(n: number): void {
    while (n > 0) {
      const c = this.chunks[0]!;
      if (c.length <= n) { this.chunks.shift(); n -= c.length; this.buffered -= c.length; } else { this.chunks[0] = c.subarray(n); this.buffered -= n; n = 0; }
    }
  }

  /**
   * Drops the bytes up to and including the next zero byte, each chunk searched once and dropped when it holds
   * none: 'eof' when the input ends first, 'long' when more than `max` bytes (the zero included) would be dropped.
   */
  async skipThroughZero(max: number): Promise<'ok' | 'eof' | 'long'> {
    for (let seen = 0; ;) {
      if (!(await this.need(1))) return 'eof';
      const c = this.chunks[0]!;
      const i = c.indexOf(0);
      if (i >= 0) {
        if (seen + i + 1 > max) return 'long';
        this.skip(i + 1);
        return 'ok';
      }
      seen += c.length;
      if (seen >= max) return 'long';
      this.skip(c.length);
    }
  }

  /** The next chunk (buffered first), or undefined at the end. */
  async chunk(): Promise<Buffer | undefined> {
    if (!(await this.need(1))) return undefined;
    const c = this.chunks.shift()!;
    this.buffered -= c.length;
    return c;
  }

  unshift(bufs: Buffer[]): void {
    for (let i = bufs.length - 1; i >= 0; i--) { this.chunks.unshift(bufs[i]!); this.buffered += bufs[i]!.length; }
  }
}

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
 * Inflates one member's deflate data, yielding the output; the input is left after the deflate data (bytes
 * given to zlib past its end are put back). Returns the expanded size.
 */
async function* inflateMember(input: Input, chunkSize: number): AsyncGenerator<Buffer, number> {
  const inf: InflateRaw = createInflateRaw({ chunkSize });
  let ended = false;
  let failed = false;
  inf.once('end', () => { ended = true; });
  // Fed chunks not yet fully consumed by zlib (it counts what it consumed in bytesWritten), from byte `from` on.
  const fed: Buffer[] = [];
  let from = 0;
  const release = () => { while (fed.length && from + fed[0]!.length <= inf.bytesWritten) from += fed.shift()!.length; };
  const settled = (ok: boolean) => new Promise<void>((resolve) => {
    if (ok || ended || failed) { resolve(); return; }
    const done = () => { inf.off('drain', done).off('end', done).off('error', done).off('close', done); resolve(); };
    inf.on('drain', done).on('end', done).on('error', done).on('close', done);
  });
  const feed = (async () => {
    for (;;) {
      if (ended || failed) return;
      const c = await input.chunk();
      if (c === undefined) { inf.end(); return; }
      if (ended || failed) { input.unshift([c]); return; }
      fed.push(c);
      await settled(inf.write(c, release));
    }
  })();
  // A failing source fails the output (the loop below throws its error) instead of leaving it waiting.
  feed.catch((e: unknown) => { if (!ended && !failed) inf.destroy(e instanceof Error ? e : new Error(String(e))); });
  let out = 0;
  try {
    for await (const b of inf) { out += (b as Buffer).length; yield b as Buffer; }
  } catch (e) {
    failed = true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw corrupt((e as Error).message);
    throw e;
  } finally {
    if (!ended) { failed = true; inf.destroy(); }
  }
  await feed; // settled: the output ended
  // What zlib was given past the end of the deflate data goes back to the input (the trailer, the next member).
  let skip = inf.bytesWritten - from;
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

/** The expanded bytes of a gzip stream (it starts with the gzip magic), its members' CRC-32 not computed. */
export async function* gunzipWithoutCrc(source: AsyncIterable<Buffer>, chunkSize: number): AsyncGenerator<Buffer> {
  const input = new Input(source[Symbol.asyncIterator]());
  for (let member = 0; ; member++) {
    if (!(await input.need(2)) || input.at(0) !== 0x1f || input.at(1) !== 0x8b) {
      if (member === 0) throw corrupt('incorrect header check');
      return refuseTrailingGarbage(input);
    }
    await readHeader(input);
    const size = yield* inflateMember(input, chunkSize);
    if (!(await input.need(8))) throw corrupt('unexpected end of file in the gzip trailer');
    const isize = (input.at(4) | (input.at(5) << 8) | (input.at(6) << 16) | (input.at(7) << 24)) >>> 0;
    if (isize !== size % 2 ** 32) throw corrupt(`the trailer says ${isize} bytes (mod 2^32), the data expands to ${size}`);
    input.skip(8);
  }
}
