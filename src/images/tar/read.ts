/**
 * Streaming tar reader: ustar, GNU (long names `L`/`K`, base-256 numbers) and POSIX pax (`x` per-entry and `g`
 * global extended headers). Every entry carries the pax records that apply to it (global merged with its own), so
 * Windows layer metadata such as `MSWINDOWS.fileattr`, `MSWINDOWS.rawsd` and `LIBARCHIVE.creationtime` reach the
 * caller. Input may be gzip-compressed (detected by the magic bytes 1f 8b).
 */
import { BLOCK, TarFormatError, parsePax, type TarEntry, type TarHeader } from './format.js';
import { maybeGunzip, plainChunks } from './gunzip.js';
import { ByteReader } from './byte-reader.js';
import { checksumOk, cstr, num, paxNumber, TYPES } from './header-fields.js';

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
