/**
 * The two header compression contexts of a SPDY connection: one deflate for what we send, one inflate for what
 * we receive, each primed with the SPDY/3 dictionary and kept for the whole connection; every header block is
 * sync-flushed so it decodes on its own frame boundary.
 *
 * Frames are encoded and decoded in wire order, synchronously. Node has no public synchronous API for a zlib
 * context that outlives one call (zlib.*Sync close theirs), so this drives the zlib stream's native handle the
 * way those functions do (`_handle.writeSync` + `_writeState`), without closing it. `zlibSyncAvailable()` checks
 * that this Node still has that shape; a unit test calls it, and the codec tests would fail loudly otherwise.
 */
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';
import { SpdyProtocolError } from './parser.js';

/** Decompressed header blocks larger than this are refused (a compression bomb, not a k8s client). */
export const MAX_HEADER_BLOCK = 256 * 1024;
const CHUNK = 16 * 1024;

interface NativeZlib {
  _handle: { writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void } | null;
  _writeState: Uint32Array;
}

export function zlibSyncAvailable(): boolean {
  const z = zlib.createDeflate() as unknown as NativeZlib & zlib.Deflate;
  const ok = typeof z._handle?.writeSync === 'function' && z._writeState instanceof Uint32Array && z._writeState.length === 2;
  z.close();
  return ok;
}

class SyncContext {
  private failed = false;

  constructor(private readonly z: zlib.Deflate | zlib.Inflate, private readonly limit: number) {
    z.on('error', () => { this.failed = true; }); // zlib reports through destroy(); we check synchronously below
  }

  /** Feeds `input` and sync-flushes; returns everything zlib produced. */
  run(input: Buffer): Buffer {
    const native = this.z as unknown as NativeZlib;
    if (this.failed || !native._handle) throw new Error('zlib context is no longer usable');
    const out: Buffer[] = [];
    let total = 0;
    let inOff = 0;
    let inLen = input.length;
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      native._handle.writeSync(zlib.constants.Z_SYNC_FLUSH, input, inOff, inLen, buf, 0, CHUNK);
      if (this.z.destroyed) { this.failed = true; throw new Error('invalid compressed data'); }
      const [availOut, availIn] = [native._writeState[0]!, native._writeState[1]!];
      const have = CHUNK - availOut;
      if (have > 0) out.push(buf.subarray(0, have));
      total += have;
      if (total > this.limit) { this.failed = true; throw new Error(`output exceeds ${this.limit} bytes`); }
      inOff += inLen - availIn;
      inLen = availIn;
      if (availOut !== 0) break;
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  close(): void {
    this.z.close();
  }
}

export class HeaderCompressor {
  private readonly ctx = new SyncContext(zlib.createDeflate({ dictionary: SPDY3_DICTIONARY, level: zlib.constants.Z_BEST_COMPRESSION }), Infinity);

  compress(block: Buffer): Buffer {
    return this.ctx.run(block);
  }

  close(): void {
    this.ctx.close();
  }
}

export class HeaderDecompressor {
  private readonly ctx = new SyncContext(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }), MAX_HEADER_BLOCK);

  decompress(compressed: Buffer): Buffer {
    try {
      return this.ctx.run(compressed);
    } catch (e) {
      throw new SpdyProtocolError(`cannot decompress SPDY header block: ${(e as Error).message}`);
    }
  }

  close(): void {
    this.ctx.close();
  }
}
