/** HPACK integer and string literal representations (RFC 7541 §5.1, §5.2). */
import { H2ProtocolError } from './errors.js';
import { huffmanDecode, huffmanEncode } from './huffman.js';

/** A read position in a header block. */
export interface Cursor { buf: Buffer; pos: number }

/** Reads an integer with an N-bit prefix starting at the current byte (whose high bits the caller has looked at). */
export function readInt(c: Cursor, prefixBits: number): number {
  if (c.pos >= c.buf.length) throw new H2ProtocolError('truncated integer');
  const max = (1 << prefixBits) - 1;
  let v = c.buf[c.pos++]! & max;
  if (v < max) return v;
  let m = 0;
  for (;;) {
    if (c.pos >= c.buf.length) throw new H2ProtocolError('truncated integer');
    const b = c.buf[c.pos++]!;
    v += (b & 0x7f) * 2 ** m;
    m += 7;
    if (v > 0xffffffff) throw new H2ProtocolError('integer overflow');
    if ((b & 0x80) === 0) return v;
  }
}

/** Writes an integer with an N-bit prefix; `first` holds the representation's pattern bits above the prefix. */
export function writeInt(out: number[], first: number, prefixBits: number, v: number): void {
  const max = (1 << prefixBits) - 1;
  if (v < max) { out.push(first | v); return; }
  out.push(first | max);
  v -= max;
  while (v >= 0x80) { out.push((v % 0x80) | 0x80); v = Math.floor(v / 0x80); }
  out.push(v);
}

/** Reads a string literal as latin1 text, so every byte round-trips. */
export function readString(c: Cursor): string {
  if (c.pos >= c.buf.length) throw new H2ProtocolError('truncated string');
  const huffman = (c.buf[c.pos]! & 0x80) !== 0;
  const len = readInt(c, 7);
  if (c.pos + len > c.buf.length) throw new H2ProtocolError('truncated string');
  const raw = c.buf.subarray(c.pos, c.pos + len);
  c.pos += len;
  return (huffman ? huffmanDecode(raw) : raw).toString('latin1');
}

/** Writes a string literal, Huffman-coded or as plain octets (the RFC 7541 examples code every string). */
export function writeString(out: number[], s: string, huffman: boolean): void {
  const raw = Buffer.from(s, 'latin1');
  if (huffman) {
    const h = huffmanEncode(raw);
    writeInt(out, 0x80, 7, h.length);
    for (const b of h) out.push(b);
  } else {
    writeInt(out, 0, 7, raw.length);
    for (const b of raw) out.push(b);
  }
}
