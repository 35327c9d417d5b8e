/**
 * SPDY/3 name/value header block (before compression): uint32 count, then per header uint32 name length, name
 * (lowercase), uint32 value length, value (several values joined by NUL). Names are lowercased on the way in,
 * as Go's framer does, and repeated names are merged.
 */
import { SpdyProtocolError } from './parser.js';

export type SpdyHeaders = Record<string, string[]>;

export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, values] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(values.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  let off = 0;
  const need = (n: number): void => {
    if (off + n > block.length) throw new SpdyProtocolError('truncated SPDY header block');
  };
  const readU32 = (): number => { need(4); const v = block.readUInt32BE(off); off += 4; return v; };
  const readStr = (): string => { const n = readU32(); need(n); const s = block.toString('utf8', off, off + n); off += n; return s; };
  const count = readU32();
  // each header takes at least 8 bytes: a count larger than that is a lie, not a reason to allocate
  if (count * 8 > block.length - off) throw new SpdyProtocolError(`SPDY header block claims ${count} headers`);
  const out: SpdyHeaders = {};
  for (let i = 0; i < count; i++) {
    const name = readStr().toLowerCase();
    if (name === '') throw new SpdyProtocolError('empty header name in SPDY header block');
    const values = readStr().split('\0');
    (out[name] ??= []).push(...values);
  }
  if (off !== block.length) throw new SpdyProtocolError('trailing bytes after SPDY header block');
  return out;
}

/** First value of a header, names compared case-insensitively. */
export function headerValue(headers: SpdyHeaders, name: string): string | undefined {
  return headers[name.toLowerCase()]?.[0];
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n);
  return b;
}
