/**
 * CRI container log writer (the format kubelet reads, reference/cri.md §4):
 *
 *   <RFC3339Nano timestamp> <stdout|stderr> <F|P> <content>\n
 *
 * - content is the line without its `\n` and without a trailing `\r` (Windows programs write CRLF);
 * - a line longer than maxLineSize bytes is cut into `P` records of exactly maxLineSize bytes, the remainder
 *   is the final `F` record; a chunk without newline when the stream ends becomes a `P` record;
 * - stdout and stderr share one file; every batch of whole records goes to the file in one serialised write,
 *   so records never interleave;
 * - the writer works on bytes only (no decoding), so UTF-8 sequences split across chunks stay intact.
 *
 * Backpressure: a stream's write callback fires only after its records reached the file, so a slow disk
 * slows the producer instead of growing a buffer.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';

export type StreamName = 'stdout' | 'stderr';
export const DEFAULT_MAX_LINE_SIZE = 16384;
export const LOG_FILE_MODE = 0o640;

const NL = 0x0a;
const CR = 0x0d;
const NL_BUF = Buffer.from([NL]);

// ---------------------------------------------------------------------------------------------------------
// Clock

let anchorWallNs = BigInt(Date.now()) * 1_000_000n;
let anchorHr = process.hrtime.bigint();
let lastNs = 0n;
const REANCHOR_NS = 10_000_000_000n;

/**
 * Wall-clock time in nanoseconds since the Unix epoch, with sub-millisecond resolution from the monotonic
 * high-resolution timer. Re-anchored to Date.now() every 10 s so it follows clock adjustments; never goes
 * backwards within this process.
 */
export function nowNs(): bigint {
  const hr = process.hrtime.bigint();
  if (hr - anchorHr > REANCHOR_NS) {
    anchorWallNs = BigInt(Date.now()) * 1_000_000n;
    anchorHr = hr;
  }
  let t = anchorWallNs + (hr - anchorHr);
  if (t < lastNs) t = lastNs;
  lastNs = t;
  return t;
}

/** RFC 3339 in UTC with exactly nine fractional digits: 2026-11-24T10:00:00.123456789Z. */
export function formatTimestamp(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const frac = ns % 1_000_000_000n;
  const base = new Date(Number(sec) * 1000).toISOString().slice(0, 19);
  return `${base}.${frac.toString().padStart(9, '0')}Z`;
}

// ---------------------------------------------------------------------------------------------------------
// Pure parts: records and line splitting

/** One CRI log record, `\n` included. */
export function formatRecord(timestamp: string, stream: StreamName, partial: boolean, content: Uint8Array): Buffer {
  const head = Buffer.from(`${timestamp} ${stream} ${partial ? 'P' : 'F'} `, 'latin1');
  return Buffer.concat([head, content, NL_BUF]);
}

/** The records of several fragments with one timestamp, built into one buffer (no per-record allocation). */
export function formatRecords(timestamp: string, stream: StreamName, frags: LineFragment[]): Buffer {
  const full = Buffer.from(`${timestamp} ${stream} F `, 'latin1');
  const part = Buffer.from(`${timestamp} ${stream} P `, 'latin1');
  let size = 0;
  for (const f of frags) size += full.length + f.content.length + 1;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const f of frags) {
    o += (f.partial ? part : full).copy(out, o);
    o += f.content.length === 0 ? 0 : (f.content as Buffer).copy(out, o);
    out[o++] = NL;
  }
  return out;
}

export interface LineFragment {
  content: Buffer;
  /** true → `P` record, false → `F` record. */
  partial: boolean;
}

/**
 * Cuts a byte stream into CRI log fragments. Holds back the unterminated tail until a newline arrives, the tail
 * exceeds maxLineSize (then `P` fragments of exactly maxLineSize bytes are emitted), or end() is called.
 */
export class LineSplitter {
  readonly maxLineSize: number;
  private pending: Buffer[] = [];
  private pendingLen = 0;

  constructor(maxLineSize: number = DEFAULT_MAX_LINE_SIZE) {
    this.maxLineSize = maxLineSize > 0 ? Math.floor(maxLineSize) : 0;
  }

  /** Bytes held back waiting for the end of their line. */
  get buffered(): number { return this.pendingLen; }

  push(chunk: Uint8Array): LineFragment[] {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: LineFragment[] = [];
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(NL, start);
      if (nl === -1) {
        this.append(buf.subarray(start));
        this.emitOverflow(out);
        break;
      }
      // A whole line inside this chunk is not copied: fragments are formatted before the producer's callback.
      let line: Buffer;
      if (this.pendingLen === 0) line = buf.subarray(start, nl);
      else { this.append(buf.subarray(start, nl)); line = this.take(); }
      if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
      const max = this.maxLineSize;
      while (max > 0 && line.length > max) {
        out.push({ content: line.subarray(0, max), partial: true });
        line = line.subarray(max);
      }
      out.push({ content: line, partial: false });
      start = nl + 1;
    }
    return out;
  }

  /** End of stream: the unterminated tail (if any) as `P` fragments. */
  end(): LineFragment[] {
    if (this.pendingLen === 0) return [];
    let rest = this.take();
    const out: LineFragment[] = [];
    const max = this.maxLineSize;
    while (max > 0 && rest.length > max) {
      out.push({ content: rest.subarray(0, max), partial: true });
      rest = rest.subarray(max);
    }
    out.push({ content: rest, partial: true });
    return out;
  }

  private append(b: Buffer): void {
    if (b.length === 0) return;
    // Copy: the producer may reuse its buffer after the write callback.
    this.pending.push(Buffer.from(b));
    this.pendingLen += b.length;
  }

  private take(): Buffer {
    const b = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLen);
    this.pending = [];
    this.pendingLen = 0;
    return b;
  }

  /**
   * Emit full-size `P` fragments while the tail is longer than the limit. A tail of exactly max+1 bytes ending
   * in `\r` is held: if `\n` follows, the `\r` is stripped and the line fits into one `F` record.
   */
  private emitOverflow(out: LineFragment[]): void {
    const max = this.maxLineSize;
    if (max <= 0 || this.pendingLen <= max) return;
    let all = this.take();
    while (all.length > max && !(all.length === max + 1 && all[max] === CR)) {
      out.push({ content: all.subarray(0, max), partial: true });
      all = all.subarray(max);
    }
    if (all.length > 0) {
      this.pending = [all];
      this.pendingLen = all.length;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// The writer

export interface CriLogWriterOptions {
  /** Longest content of one record in bytes; ≤ 0 = unlimited. Default 16384. */
  maxLineSize?: number;
  /** Nanoseconds since the epoch (tests). Default nowNs(). Readings are clamped to be non-decreasing. */
  clock?: () => bigint;
  /**
   * Called before each batch of records is written (synchronously, in file order) with where the file stands and
   * how many bytes of each stream are stored once the batch is in the file: what log-offsets.ts persists.
   */
  journal?: (j: LogJournalEntry) => void;
  /** Stream offsets the log already holds (a restarted keeper continuing a container's log). */
  offsets?: StreamOffsets;
}

export type StreamOffsets = Record<StreamName, number>;
export interface LogJournalEntry { ino: number; sizeBefore: number; sizeAfter: number; offsets: StreamOffsets }

/** Opens (creating if needed, mode 0640) a log file for appending. The directory must already exist. */
async function openLogFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'a', LOG_FILE_MODE);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') {
      const wrapped = new Error(`cannot open container log ${path}: directory ${dirname(path)} does not exist`,
        { cause: e }) as NodeJS.ErrnoException;
      wrapped.code = 'ENOENT';
      throw wrapped;
    }
    throw e;
  }
}

async function fileAt(fh: FileHandle): Promise<{ ino: number; size: number }> {
  const st = await fh.stat();
  return { ino: st.ino, size: st.size };
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await fh.write(buf, off, buf.length - off);
    off += bytesWritten;
  }
}

export class CriLogWriter {
  readonly path: string;
  readonly maxLineSize: number;
  private fh: FileHandle;
  private readonly clock: () => bigint;
  private lastTs = 0n;
  private queue: Promise<void> = Promise.resolve();
  private readonly splitters = new Map<StreamName, LineSplitter>();
  private readonly streams = new Map<StreamName, Writable>();
  private closing: Promise<void> | undefined;
  private counts = { lines: 0, bytes: 0 };
  /** Bytes of each stream handed to the writer (journal only). */
  private readonly pushed: StreamOffsets = { stdout: 0, stderr: 0 };
  private readonly journal?: (j: LogJournalEntry) => void;
  private file = { ino: 0, size: 0 };

  private constructor(path: string, fh: FileHandle, opts: CriLogWriterOptions) {
    this.path = path;
    this.fh = fh;
    this.maxLineSize = opts.maxLineSize ?? DEFAULT_MAX_LINE_SIZE;
    this.clock = opts.clock ?? nowNs;
    this.journal = opts.journal;
    if (opts.offsets) Object.assign(this.pushed, opts.offsets);
  }

  static async open(path: string, opts: CriLogWriterOptions = {}): Promise<CriLogWriter> {
    const w = new CriLogWriter(path, await openLogFile(path), opts);
    if (w.journal) w.file = await fileAt(w.fh);
    return w;
  }

  /** Bytes of the stream whose records are in the file or queued for it (the unterminated tail excluded). */
  stored(name: StreamName): number { return this.pushed[name] - (this.splitters.get(name)?.buffered ?? 0); }

  /** The next byte handed for the stream has this offset (the splitter must hold nothing of it). */
  setOffset(name: StreamName, offset: number): void { this.pushed[name] = offset; }

  get closed(): boolean { return this.closing !== undefined; }

  /** Records (full and partial lines) and bytes written to the log file so far (for metrics). */
  get written(): { lines: number; bytes: number } { return { ...this.counts }; }

  /**
   * The Writable for one stream (the same object on every call). Ending it writes the unterminated tail as a
   * `P` record; it does not close the file (close() does).
   */
  stream(name: StreamName): Writable {
    const existing = this.streams.get(name);
    if (existing) return existing;
    const splitter = this.splitter(name);
    const w = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        if (this.closing) { cb(new Error(`container log ${this.path} is closed`)); return; }
        this.pushed[name] += chunk.length;
        this.writeFragments(name, splitter.push(chunk)).then(() => cb(), cb);
      },
      final: (cb) => {
        this.endStream(name).then(() => cb(), cb);
      },
    });
    this.streams.set(name, w);
    return w;
  }

  /** Writes raw bytes for a stream (same semantics as stream(name).write, without the Writable). */
  write(name: StreamName, chunk: Uint8Array): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`container log ${this.path} is closed`));
    this.pushed[name] += chunk.length;
    return this.writeFragments(name, this.splitter(name).push(chunk));
  }

  /** End of one stream: writes its unterminated tail as `P` record(s). The file stays open. */
  endStream(name: StreamName): Promise<void> {
    if (this.closing) return Promise.resolve();
    return this.writeFragments(name, this.splitter(name).end());
  }

  /**
   * Opens a new file at the same path (the old one was typically renamed by kubelet's rotation), switches to
   * it after every record queued so far and closes the old handle. Resolves once the switch is done.
   */
  async reopen(): Promise<void> {
    if (this.closing) throw new Error(`container log ${this.path} is closed`);
    const next = await openLogFile(this.path);
    if (this.closing) { await next.close(); throw new Error(`container log ${this.path} is closed`); }
    const file = this.journal ? await fileAt(next) : this.file;
    await this.enqueue(async () => {
      const old = this.fh;
      this.fh = next;
      this.file = file;
      await old.close();
    });
  }

  /** Writes every stream's unterminated tail as `P` records, waits for queued writes and closes the file. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const tails: Promise<void>[] = [];
    for (const [name, s] of this.splitters) tails.push(this.writeFragments(name, s.end()).catch(() => undefined));
    this.closing = (async () => {
      await Promise.all(tails);
      await this.enqueue(() => this.fh.close()).catch(() => undefined);
    })();
    return this.closing;
  }

  private splitter(name: StreamName): LineSplitter {
    let s = this.splitters.get(name);
    if (!s) { s = new LineSplitter(this.maxLineSize); this.splitters.set(name, s); }
    return s;
  }

  private timestamp(): string {
    let t = this.clock();
    if (t < this.lastTs) t = this.lastTs;
    this.lastTs = t;
    return formatTimestamp(t);
  }

  private writeFragments(name: StreamName, frags: LineFragment[]): Promise<void> {
    if (frags.length === 0) return this.queue; // still ordered after earlier writes
    const ts = this.timestamp();
    const buf = frags.length === 1 ? formatRecord(ts, name, frags[0]!.partial, frags[0]!.content) : formatRecords(ts, name, frags);
    const offsets = this.journal ? { stdout: this.stored('stdout'), stderr: this.stored('stderr') } : undefined;
    return this.enqueue(async () => {
      if (offsets) {
        const f = this.file;
        this.journal!({ ino: f.ino, sizeBefore: f.size, sizeAfter: f.size + buf.length, offsets });
        f.size += buf.length;
      }
      await writeAll(this.fh, buf);
      this.counts.lines += frags.length;
      this.counts.bytes += buf.length;
    });
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    const p = this.queue.then(op);
    this.queue = p.catch(() => undefined);
    return p;
  }
}
