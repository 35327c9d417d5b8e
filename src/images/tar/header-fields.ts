/** Decoding of a tar header's fields: NUL-terminated strings, octal and GNU base-256 numbers, the checksum, type flags and numeric pax overrides. */
import { BLOCK, TarFormatError, type TarEntryType } from './format.js';

export function cstr(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return (z === -1 ? s : s.subarray(0, z)).toString('utf8');
}

export function num(b: Buffer, off: number, len: number, field: string): number {
  const s = b.subarray(off, off + len);
  if (s[0]! & 0x80) {
    // GNU base-256: big-endian two's complement with the top bit of the first byte as marker.
    if (s[0] === 0xff) throw new TarFormatError(`negative ${field} in tar header`);
    let v = s[0]! & 0x7f;
    for (let i = 1; i < s.length; i++) {
      v = v * 256 + s[i]!;
      if (v > Number.MAX_SAFE_INTEGER) throw new TarFormatError(`${field} in tar header is too large`);
    }
    return v;
  }
  const t = s.toString('latin1').replace(/\0.*$/s, '').trim();
  if (t === '') return 0;
  if (!/^[0-7]+$/.test(t)) throw new TarFormatError(`invalid ${field} "${t}" in tar header`);
  return parseInt(t, 8);
}

export function checksumOk(h: Buffer): boolean {
  const stored = num(h, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : h[i]!;
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return stored === unsigned || stored === signed;
}

export const TYPES: Record<string, TarEntryType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'link', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo',
};

export function paxNumber(v: string | undefined, key: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^-?[0-9]+(\.[0-9]+)?$/.test(v)) throw new TarFormatError(`invalid pax ${key} "${v}"`);
  return Number(v);
}
