/**
 * CRI container log writer (the format kubelet reads, reference/cri.md §4; records: log-lines.ts, clock: log-clock.ts):
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
import { nowNs, formatTimestamp } from './log-clock.js';
import { LineSplitter, formatRecord, formatRecords, DEFAULT_MAX_LINE_SIZE, type LineFragment, type StreamName } from './log-lines.js';
import { formatChunk, type RecordHeads } from './log-format.js';
import { BufferPool } from '../util/buffer-pool.js';

export { nowNs, formatTimestamp } from './log-clock.js';
export { LineSplitter, formatRecord, formatRecords, DEFAULT_MAX_LINE_SIZE, type LineFragment, type StreamName } from './log-lines.js';
export const LOG_FILE_MODE = 0o640;
const MAX_IOV = 512;
/**
 * Record buffers of whole lines, shared by all writers (util/buffer-pool.ts), given back once their write is done:
 * a 64 KiB socket read of 100-byte lines makes about 90 KiB of records; a batch (keeper-batches.ts) is up to 1 MiB.
 * Only records of a quarter of a buffer or more take one: a batch holds everything that came during the previous
 * write, so a trickle on a slow disk can be a thousand small chunks, which must not pin 128 KiB each; smaller ones
 * are plain allocations as before (Node's slab below 4 KiB, fresh memory from 4 to 32 KiB: those sizes still cost
 * page faults, unmeasured). Should a pool buffer not be had, a plain one of the exact size does.
 */
const records = new BufferPool(128 * 1024, 16);
const POOLED = records.size / 4;
function recordBuffer(bytes: number): Buffer {
  if (bytes < POOLED) return Buffer.allocUnsafe(bytes);
  try { return records.take(bytes); } catch { return Buffer.allocUnsafe(bytes); }
}

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

/** Writes every byte of `bufs` (vectored, at most MAX_IOV buffers a call); returns how many. */
async function writeAllv(fh: FileHandle, bufs: Buffer[]): Promise<number> {
  let total = 0;
  for (let i = 0; i < bufs.length; i += MAX_IOV) {
    const part = bufs.slice(i, i + MAX_IOV);
    const want = part.reduce((n, b) => n + b.length, 0);
    total += want;
    let { bytesWritten: done } = part.length === 1 ? await fh.write(part[0]!) : await fh.writev(part);
    for (const b of part) {
      // A short write (rare: a full disk, a signal) goes on with the rest one buffer at a time.
      if (done >= b.length) { done -= b.length; continue; }
      await writeAll(fh, b.subarray(done));
      done = 0;
    }
  }
  return total;
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
    const w = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        if (this.closing) { cb(new Error(`container log ${this.path} is closed`)); return; }
        this.writeChunks(name, [chunk]).then(() => cb(), cb);
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
    return this.writeChunks(name, [chunk]);
  }

  /** Several chunks of one stream, in order, as one batch of records (one timestamp, one file write). */
  writeChunks(name: StreamName, chunks: Uint8Array[]): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`container log ${this.path} is closed`));
    // A failure here (an allocation) rejects like a failed write instead of throwing at the caller.
    try { return this.formatAndWrite(name, chunks); } catch (e) { return Promise.reject(e); }
  }

  private formatAndWrite(name: StreamName, chunks: Uint8Array[]): Promise<void> {
    const s = this.splitter(name);
    // The clock is read once per batch, and only when the batch completes a record.
    let made: RecordHeads | undefined;
    const make = (): RecordHeads => {
      const ts = this.timestamp();
      return { full: Buffer.from(`${ts} ${name} F `, 'latin1'), part: Buffer.from(`${ts} ${name} P `, 'latin1') };
    };
    const heads: RecordHeads = { get full() { return (made ??= make()).full; }, get part() { return (made ??= make()).part; } };
    const bufs: Buffer[] = [];
    let count = 0;
    for (const c of chunks) { this.pushed[name] += c.length; count += formatChunk(s, c, heads, bufs, recordBuffer); }
    if (count === 0) return this.queue; // still ordered after earlier writes
    const note = this.journalNote(bufs.reduce((n, b) => n + b.length, 0));
    return this.enqueue(async () => {
      note?.();
      const bytes = await writeAllv(this.fh, bufs);
      for (const b of bufs) records.give(b);
      this.counts.lines += count;
      this.counts.bytes += bytes;
    });
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
    const note = this.journalNote(buf.length);
    return this.enqueue(async () => {
      note?.();
      await writeAll(this.fh, buf);
      this.counts.lines += frags.length;
      this.counts.bytes += buf.length;
    });
  }

  /**
   * With a journal: what to record right before a batch of `bytes` goes to the file — the stream offsets as they
   * stand once it is there (taken now, in call order) and the file's size before and after it.
   */
  private journalNote(bytes: number): (() => void) | undefined {
    if (!this.journal) return undefined;
    const offsets = { stdout: this.stored('stdout'), stderr: this.stored('stderr') };
    return () => {
      const f = this.file;
      this.journal!({ ino: f.ino, sizeBefore: f.size, sizeAfter: f.size + bytes, offsets });
      f.size += bytes;
    };
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    const p = this.queue.then(op);
    this.queue = p.catch(() => undefined);
    return p;
  }
}
