/**
 * Streaming tar reader and a small tar writer.
 *
 * Reader: ustar, GNU (long names `L`/`K`, base-256 numbers) and POSIX pax (`x` per-entry and `g` global extended
 * headers). Every entry carries the pax records that apply to it (global merged with its own), so Windows layer
 * metadata such as `MSWINDOWS.fileattr`, `MSWINDOWS.rawsd` and `LIBARCHIVE.creationtime` reach the caller.
 * Input may be gzip-compressed (detected by the magic bytes 1f 8b).
 *
 * Writer: regular files, directories, symlinks, hard links and pax records (per entry and global); used by the
 * tests and meant for image export/push.
 */
import { createGunzip } from 'node:zlib';
import { Readable, pipeline, type Writable } from 'node:stream';

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

export interface TarReadOptions {
  /** Upper bound for the (decompressed) bytes read, headers and padding included. Exceeding it throws. */
  maxBytes?: number;
  /** Upper bound for one pax header or GNU long-name record (default 1 MiB). */
  maxMetaBytes?: number;
  /** After the end-of-archive marker, read (and discard) the rest of the stream. Default true. */
  drain?: boolean;
  /** 'auto' (default): gunzip when the stream starts with the gzip magic; false: the stream is a plain tar. */
  gzip?: 'auto' | false;
  /** Sees every (decompressed) chunk once, in order, the drained tail included: hash or count the stream here. */
  onData?: (chunk: Buffer) => void;
}

/**
 * Output buffer size of the gunzip stream. zlib's 16 KiB default means one async step (a thread-pool round trip:
 * two futex calls and an event-loop wake-up) and, downstream, one file write per 16 KiB; 1 MiB steps cut that
 * per-step overhead, which dominated a pull's CPU time (117 000 futex calls for one 525 MB pull at 256 KiB).
 */
export const GUNZIP_CHUNK = 1024 * 1024;

const BLOCK = 512;

/** Turns a stream that may be gzip-compressed into the plain byte stream (magic 1f 8b → gunzip). */
export async function* maybeGunzip(source: AsyncIterable<Buffer | Uint8Array | string>): AsyncGenerator<Buffer> {
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

async function* plainChunks(source: AsyncIterable<Buffer | Uint8Array | string>): AsyncGenerator<Buffer> {
  for await (const v of source) yield toBuffer(v);
}

function toBuffer(v: Buffer | Uint8Array | string): Buffer {
  return typeof v === 'string' ? Buffer.from(v) : Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Pull-based byte reader over an async iterator of chunks. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private eof = false;
  total = 0;
  constructor(private readonly it: AsyncIterator<Buffer>, private readonly maxBytes: number, private readonly onData?: (chunk: Buffer) => void) {}

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.eof) {
      const r = await this.it.next();
      if (r.done) { this.eof = true; break; }
      const b = r.value;
      if (!b.length) continue;
      this.total += b.length;
      if (this.total > this.maxBytes) throw new TarFormatError(`archive expands beyond the limit of ${this.maxBytes} bytes`);
      this.onData?.(b);
      this.chunks.push(b);
      this.buffered += b.length;
    }
  }

  /** Exactly n bytes, or fewer only at end of stream. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    return this.take(Math.min(n, this.buffered));
  }

  /** Up to n bytes, at least one unless at end of stream; avoids copying whole chunks. */
  async readSome(n: number): Promise<Buffer> {
    if (this.buffered === 0) await this.fill(1);
    return this.take(Math.min(n, this.buffered, this.chunks[0]?.length ?? 0));
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    if (first.length === n) { this.chunks.shift(); this.buffered -= n; return first; }
    if (first.length > n) { this.chunks[0] = first.subarray(n); this.buffered -= n; return first.subarray(0, n); }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift(); else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }

  async skip(n: number): Promise<void> {
    while (n > 0) {
      const b = await this.readSome(n);
      if (!b.length) throw new TarFormatError('unexpected end of archive');
      n -= b.length;
    }
  }

  async drain(): Promise<void> {
    this.chunks = [];
    this.buffered = 0;
    while (!this.eof) {
      const r = await this.it.next();
      if (r.done) { this.eof = true; break; }
      this.total += r.value.length;
      if (this.total > this.maxBytes) throw new TarFormatError(`archive expands beyond the limit of ${this.maxBytes} bytes`);
      this.onData?.(r.value);
    }
  }
}

function cstr(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return (z === -1 ? s : s.subarray(0, z)).toString('utf8');
}

function num(b: Buffer, off: number, len: number, field: string): number {
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

function checksumOk(h: Buffer): boolean {
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

const TYPES: Record<string, TarEntryType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'link', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo',
};

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

function paxNumber(v: string | undefined, key: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^-?[0-9]+(\.[0-9]+)?$/.test(v)) throw new TarFormatError(`invalid pax ${key} "${v}"`);
  return Number(v);
}

/**
 * Reads a tar stream entry by entry. The body of an entry must be consumed (or abandoned) before the next
 * entry is requested; abandoned bodies are skipped.
 */
export async function* readTar(source: AsyncIterable<Buffer | Uint8Array | string>, opts: TarReadOptions = {}): AsyncGenerator<TarEntry> {
  const maxBytes = opts.maxBytes ?? Number.MAX_SAFE_INTEGER;
  const maxMeta = opts.maxMetaBytes ?? 1024 * 1024;
  const input = opts.gzip === false ? plainChunks(source) : maybeGunzip(source);
  const r = new ByteReader(input[Symbol.asyncIterator](), maxBytes, opts.onData);
  const globalPax: Record<string, string> = {};
  let localPax: Record<string, string> | undefined;
  let longName: string | undefined;
  let longLink: string | undefined;
  let sawZero = false;
  try {
    for (;;) {
      const h = await r.read(BLOCK);
      if (h.length === 0) {
        if (localPax || longName !== undefined || longLink !== undefined) throw new TarFormatError('unexpected end of archive after an extended header');
        break; // EOF without end marker: accepted (many writers stop after the last entry)
      }
      if (h.length < BLOCK) throw new TarFormatError('unexpected end of archive (truncated header)');
      if (h.every((x) => x === 0)) {
        if (sawZero) break;
        sawZero = true;
        continue;
      }
      if (sawZero) throw new TarFormatError('data after a zero block in the archive');
      if (!checksumOk(h)) throw new TarFormatError('tar header checksum mismatch (corrupt archive or not a tar file)');
      const typeflag = String.fromCharCode(h[156]!);
      const size = num(h, 124, 12, 'size');
      if (size > maxBytes) throw new TarFormatError(`entry size ${size} exceeds the limit of ${maxBytes} bytes`);
      const padded = Math.ceil(size / BLOCK) * BLOCK;

      if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
        if (size > maxMeta) throw new TarFormatError(`extended header of ${size} bytes exceeds the limit of ${maxMeta}`);
        const data = await r.read(padded);
        if (data.length < padded) throw new TarFormatError('unexpected end of archive in an extended header');
        const body = data.subarray(0, size);
        if (typeflag === 'x') localPax = { ...(localPax ?? {}), ...parsePax(body) };
        else if (typeflag === 'g') {
          for (const [k, v] of Object.entries(parsePax(body))) { if (v === '') delete globalPax[k]; else globalPax[k] = v; }
        } else {
          const z = body.indexOf(0);
          const s = (z === -1 ? body : body.subarray(0, z)).toString('utf8');
          if (typeflag === 'L') longName = s; else longLink = s;
        }
        continue;
      }

      const magic = h.subarray(257, 263).toString('latin1');
      let name = cstr(h, 0, 100);
      if (magic === 'ustar\0') {
        const prefix = cstr(h, 345, 155);
        if (prefix) name = `${prefix}/${name}`;
      }
      const pax: Record<string, string> = { ...globalPax };
      for (const [k, v] of Object.entries(localPax ?? {})) { if (v === '') delete pax[k]; else pax[k] = v; }
      if (longName !== undefined) name = longName;
      let linkname = longLink ?? cstr(h, 157, 100);
      if (pax.path !== undefined) name = pax.path;
      if (pax.linkpath !== undefined) linkname = pax.linkpath;
      let realSize = size;
      const paxSize = paxNumber(pax.size, 'size');
      if (paxSize !== undefined) {
        if (!Number.isSafeInteger(paxSize) || paxSize < 0) throw new TarFormatError(`invalid pax size "${pax.size}"`);
        if (paxSize > maxBytes) throw new TarFormatError(`entry size ${paxSize} exceeds the limit of ${maxBytes} bytes`);
        realSize = paxSize;
      }
      localPax = undefined;
      longName = undefined;
      longLink = undefined;
      let type = TYPES[typeflag] ?? 'other';
      if (type === 'file' && typeflag !== '7' && name.endsWith('/')) type = 'dir'; // old tars mark dirs by the slash
      // Directories, symlinks and device nodes carry no data whatever the size field says.
      const dataSize = type === 'dir' || type === 'symlink' || type === 'char' || type === 'block' || type === 'fifo' ? 0 : realSize;
      const header: TarHeader = {
        name, type, typeflag, size: dataSize,
        mode: num(h, 100, 8, 'mode'),
        uid: paxNumber(pax.uid, 'uid') ?? num(h, 108, 8, 'uid'),
        gid: paxNumber(pax.gid, 'gid') ?? num(h, 116, 8, 'gid'),
        mtime: paxNumber(pax.mtime, 'mtime') ?? num(h, 136, 12, 'mtime'),
        linkname,
        uname: pax.uname ?? cstr(h, 265, 32),
        gname: pax.gname ?? cstr(h, 297, 32),
        devmajor: magic.startsWith('ustar') ? num(h, 329, 8, 'devmajor') : 0,
        devminor: magic.startsWith('ustar') ? num(h, 337, 8, 'devminor') : 0,
        pax,
      };
      // The stored blocks follow the header's size field (pax size overrides it when present).
      const stored = paxSize !== undefined ? Math.ceil(realSize / BLOCK) * BLOCK : padded;
      const dataLen = paxSize !== undefined ? realSize : size;
      let remaining = dataLen;
      let consumed = false;
      const body: AsyncIterable<Buffer> = {
        [Symbol.asyncIterator]: async function* () {
          if (consumed) throw new TarFormatError(`body of ${name} was already read`);
          consumed = true;
          while (remaining > 0) {
            const b = await r.readSome(remaining);
            if (!b.length) throw new TarFormatError(`unexpected end of archive in ${name}`);
            remaining -= b.length;
            yield b;
          }
        },
      };
      yield { ...header, body };
      consumed = true;
      await r.skip(remaining + (stored - dataLen));
      remaining = 0;
    }
    if (opts.drain !== false) await r.drain();
  } finally {
    await input.return(undefined).catch(() => undefined);
  }
}

/** Reads a whole entry body into memory (for small entries: manifests, configs). */
export async function readBody(entry: TarEntry, limit = 64 * 1024 * 1024): Promise<Buffer> {
  if (entry.size > limit) throw new TarFormatError(`${entry.name} is ${entry.size} bytes, more than ${limit}`);
  const parts: Buffer[] = [];
  for await (const b of entry.body) parts.push(b);
  return Buffer.concat(parts);
}

// ───────────────────────────── writer ─────────────────────────────

export interface TarWriteEntry {
  name: string;
  type?: 'file' | 'dir' | 'symlink' | 'link';
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  linkname?: string;
  /** Extra pax records for this entry (e.g. MSWINDOWS.fileattr). */
  pax?: Record<string, string>;
}

function encodePax(records: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(records)) {
    const kv = Buffer.from(` ${k}=${v}\n`, 'utf8');
    let len = kv.length + 1;
    while (String(len).length + kv.length !== len) len = String(len).length + kv.length;
    parts.push(Buffer.from(String(len), 'latin1'), kv);
  }
  return Buffer.concat(parts);
}

function octal(b: Buffer, off: number, len: number, v: number): void {
  b.write(Math.floor(v).toString(8).padStart(len - 1, '0') + '\0', off, len, 'latin1');
}

function headerBlock(name: string, typeflag: string, size: number, e: Partial<TarWriteEntry>, linkname = ''): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, e.mode ?? (typeflag === '5' ? 0o755 : 0o644));
  octal(h, 108, 8, e.uid ?? 0);
  octal(h, 116, 8, e.gid ?? 0);
  octal(h, 124, 12, size);
  octal(h, 136, 12, e.mtime ?? 0);
  h[156] = typeflag.charCodeAt(0);
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 6, 'latin1');
  h.write('00', 263, 2, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const c of h) sum += c;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return h;
}

const pad = (n: number) => Buffer.alloc((BLOCK - (n % BLOCK)) % BLOCK);

/** Encodes one entry's header blocks (with a pax header when needed). */
export function encodeHeader(e: TarWriteEntry, size: number): Buffer {
  const type = e.type ?? 'file';
  const flag = { file: '0', dir: '5', symlink: '2', link: '1' }[type];
  const name = type === 'dir' && !e.name.endsWith('/') ? e.name + '/' : e.name;
  const link = e.linkname ?? '';
  const pax: Record<string, string> = { ...(e.pax ?? {}) };
  const fits = (s: string) => Buffer.byteLength(s) <= 100 && /^[\x20-\x7e]*$/.test(s);
  if (!fits(name)) pax.path = name;
  if (!fits(link)) pax.linkpath = link;
  if (size > 0o77777777777) pax.size = String(size);
  const parts: Buffer[] = [];
  if (Object.keys(pax).length) {
    const data = encodePax(pax);
    parts.push(headerBlock(paxName(name), 'x', data.length, {}), data, pad(data.length));
  }
  parts.push(headerBlock(fits(name) ? name : name.slice(0, 99).replace(/[^\x20-\x7e]/g, '_'), flag, size > 0o77777777777 ? 0 : size, e,
    fits(link) ? link : link.slice(0, 99).replace(/[^\x20-\x7e]/g, '_')));
  return Buffer.concat(parts);
}

function paxName(name: string): string {
  const base = name.replace(/\/$/, '').split('/').pop() ?? 'entry';
  return `PaxHeaders/${base}`.slice(0, 99).replace(/[^\x20-\x7e]/g, '_');
}

/** Writes a tar stream to `out`, respecting backpressure. Call end() to write the end-of-archive marker. */
export class TarWriter {
  constructor(private readonly out: Writable) {}

  private write(b: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      const ok = this.out.write(b, (err) => { if (err) reject(err); });
      if (ok) resolve(); else this.out.once('drain', resolve);
    });
  }

  /** Global pax header: records apply to every following entry. */
  async addGlobalPax(records: Record<string, string>): Promise<void> {
    const data = encodePax(records);
    await this.write(Buffer.concat([headerBlock('GlobalHead.0', 'g', data.length, {}), data, pad(data.length)]));
  }

  async addFile(name: string, data: Buffer | string, e: Omit<TarWriteEntry, 'name' | 'type'> = {}): Promise<void> {
    const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
    await this.write(Buffer.concat([encodeHeader({ ...e, name, type: 'file' }, b.length), b, pad(b.length)]));
  }

  /** A file whose data is streamed; `size` must be exact. */
  async addFileStream(name: string, size: number, data: AsyncIterable<Buffer>, e: Omit<TarWriteEntry, 'name' | 'type'> = {}): Promise<void> {
    await this.write(encodeHeader({ ...e, name, type: 'file' }, size));
    let n = 0;
    for await (const chunk of data) {
      n += chunk.length;
      if (n > size) throw new Error(`${name}: stream is longer than the declared ${size} bytes`);
      await this.write(chunk);
    }
    if (n !== size) throw new Error(`${name}: stream has ${n} bytes, declared ${size}`);
    await this.write(pad(size));
  }

  async addDir(name: string, e: Omit<TarWriteEntry, 'name' | 'type'> = {}): Promise<void> {
    await this.write(encodeHeader({ ...e, name, type: 'dir' }, 0));
  }

  async addSymlink(name: string, target: string, e: Omit<TarWriteEntry, 'name' | 'type' | 'linkname'> = {}): Promise<void> {
    await this.write(encodeHeader({ mode: 0o777, ...e, name, type: 'symlink', linkname: target }, 0));
  }

  async addLink(name: string, target: string, e: Omit<TarWriteEntry, 'name' | 'type' | 'linkname'> = {}): Promise<void> {
    await this.write(encodeHeader({ ...e, name, type: 'link', linkname: target }, 0));
  }

  /** Writes the two zero blocks and ends the output stream. */
  async end(): Promise<void> {
    await this.write(Buffer.alloc(BLOCK * 2));
    await new Promise<void>((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }
}

export interface MemoryTarEntry extends TarWriteEntry { data?: Buffer | string }

/** Builds a whole tar in memory (small archives: tests, manifests). */
export function buildTar(entries: MemoryTarEntry[], globalPax?: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  if (globalPax) {
    const data = encodePax(globalPax);
    parts.push(headerBlock('GlobalHead.0', 'g', data.length, {}), data, pad(data.length));
  }
  for (const e of entries) {
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data);
    const size = (e.type ?? 'file') === 'file' ? data.length : 0;
    parts.push(encodeHeader(e, size));
    if (size) parts.push(data, pad(size));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
