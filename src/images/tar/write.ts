/** A small tar writer: regular files, directories, symlinks, hard links and pax records (per entry and global); used by the tests and meant for image export/push. */
import type { Writable } from 'node:stream';
import { BLOCK, encodePax } from './format.js';

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

/** A global pax header with its records: they apply to every following entry. */
function globalPaxBlocks(records: Record<string, string>): Buffer {
  const data = encodePax(records);
  return Buffer.concat([headerBlock('GlobalHead.0', 'g', data.length, {}), data, pad(data.length)]);
}

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
    await this.write(globalPaxBlocks(records));
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
  if (globalPax) parts.push(globalPaxBlocks(globalPax));
  for (const e of entries) {
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data);
    const size = (e.type ?? 'file') === 'file' ? data.length : 0;
    parts.push(encodeHeader(e, size));
    if (size) parts.push(data, pad(size));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
