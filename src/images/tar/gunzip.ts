/** Gzip detection for archives: a stream starting with the magic 1f 8b is gunzipped, anything else passes through as plain bytes. */
import { createGunzip } from 'node:zlib';
import { Readable, pipeline } from 'node:stream';
import { TarFormatError } from './format.js';
import { gunzipWithoutCrc } from './gunzip-raw.js';

/**
 * Output buffer size of the gunzip stream. zlib's 16 KiB default means one async step (a thread-pool round trip:
 * two futex calls and an event-loop wake-up) and, downstream, one file write per 16 KiB; 1 MiB steps cut that
 * per-step overhead, which dominated a pull's CPU time (117 000 futex calls for one 525 MB pull at 256 KiB).
 */
export const GUNZIP_CHUNK = 1024 * 1024;

/**
 * Turns a stream that may be gzip-compressed into the plain byte stream (magic 1f 8b → gunzip). `crc: false`
 * skips the gzip CRC-32 (gunzip-raw.ts): only for a caller that verifies every expanded byte itself.
 */
export async function* maybeGunzip(source: AsyncIterable<Buffer | Uint8Array | string>, opts: { crc?: boolean } = {}): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let have = 0;
  let done = false;
  while (have < 2) {
    const r = await it.next();
    if (r.done) { done = true; break; }
    const b = toBuffer(r.value);
    head.push(b);
    have += b.length;
  }
  const first = Buffer.concat(head);
  const gz = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
  if (!gz) {
    if (first.length) yield first;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield toBuffer(r.value);
    }
  }
  async function* rest(): AsyncGenerator<Buffer> {
    yield first;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield toBuffer(r.value);
    }
  }
  if (opts.crc === false) {
    yield* gunzipWithoutCrc(rest(), GUNZIP_CHUNK);
    return;
  }
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK });
  pipeline(Readable.from(rest()), gunzip, () => undefined);
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (e) {
    // zlib's own errors (Z_DATA_ERROR, Z_BUF_ERROR, …) mean damaged content, not a failing source.
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw new TarFormatError(`corrupt gzip stream: ${(e as Error).message}`);
    throw e;
  }
}

export async function* plainChunks(source: AsyncIterable<Buffer | Uint8Array | string>): AsyncGenerator<Buffer> {
  for await (const v of source) yield toBuffer(v);
}

function toBuffer(v: Buffer | Uint8Array | string): Buffer {
  return typeof v === 'string' ? Buffer.from(v) : Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}
