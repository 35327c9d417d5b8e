/**
 * The tar format's shared vocabulary: the block size, entry types and headers, the format error, and pax records
 * (`"<len> <key>=<value>\n"`) in both directions.
 */
export type TarEntryType = 'file' | 'dir' | 'symlink' | 'link' | 'char' | 'block' | 'fifo' | 'other';

export interface TarHeader {
  /** Path as stored (pax `path` / GNU long name / ustar prefix+name), never altered. */
  name: string;
  type: TarEntryType;
  /** Raw typeflag character ('0', '5', 'S', …). */
  typeflag: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch (fractional when a pax `mtime` says so). */
  mtime: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** The pax records in force for this entry: global ones overridden by the entry's own. */
  pax: Record<string, string>;
}

export interface TarEntry extends TarHeader {
  /** The entry's data. Entries not consumed before asking for the next one are skipped. */
  body: AsyncIterable<Buffer>;
}

export class TarFormatError extends Error {
  constructor(message: string) { super(message); this.name = 'TarFormatError'; }
}

/** Size of a tar block: headers are one block, data is padded to whole blocks. */
export const BLOCK = 512;

/** Parses pax records `"<len> <key>=<value>\n"` (len counts the whole record in bytes). */
export function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < data.length) {
    if (data[off] === 0) break;
    const sp = data.indexOf(0x20, off);
    if (sp === -1) throw new TarFormatError('malformed pax record (no length)');
    const lenText = data.subarray(off, sp).toString('latin1');
    if (!/^[0-9]+$/.test(lenText)) throw new TarFormatError(`malformed pax record length "${lenText}"`);
    const len = parseInt(lenText, 10);
    if (len <= sp - off + 1 || off + len > data.length || data[off + len - 1] !== 0x0a) throw new TarFormatError('malformed pax record');
    const rec = data.subarray(sp + 1, off + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw new TarFormatError('malformed pax record (no key)');
    out[rec.subarray(0, eq).toString('utf8')] = rec.subarray(eq + 1).toString('utf8');
    off += len;
  }
  return out;
}

/** Encodes pax records (the length prefix counts itself). */
export function encodePax(records: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(records)) {
    const kv = Buffer.from(` ${k}=${v}\n`, 'utf8');
    let len = kv.length + 1;
    while (String(len).length + kv.length !== len) len = String(len).length + kv.length;
    parts.push(Buffer.from(String(len), 'latin1'), kv);
  }
  return Buffer.concat(parts);
}
