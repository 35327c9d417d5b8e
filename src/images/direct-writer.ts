/**
 * A layer file's content written with O_DIRECT: from aligned buffers straight to the disk, bypassing the page
 * cache.
 *
 * A pull writes every expanded byte of its layers once, and the layer import makes them durable before the layer
 * is recorded (the emulator's syncfs; HcsImportLayer on Windows). Through the page cache that is a copy into
 * freshly allocated cache pages (0.2–1.3 s of system time per GB on this project's 2-core VMs, varying with how
 * the host backs fresh pages) and then the kernel's writeback of those pages, on the same two cores. Written
 * direct it is a copy into an aligned buffer (~0.1 s per GB) and a DMA; the data is on disk when the write
 * returns, so the import's sync has only metadata left. On a quiet host running the pull alone both ways cost about
 * the same (the copy into the aligned buffers and ext4's block lookups take the page-cache copy's place); after a
 * long run the copy into fresh cache pages cost 3.2× more per byte, and the bench's full runs read 1.34–1.44×
 * containerd's MB/s through the page cache against 2.03–2.08× direct (README, "Pull, session 20").
 *
 * O_DIRECT wants the memory, the file offset and the length aligned: the buffers are WebAssembly memory (page-
 * aligned), every write but the last is a whole buffer, and the last is padded to the alignment with zeros and the
 * file cut back to its size (ftruncate). A file system that refuses O_DIRECT (EINVAL at open) is remembered by
 * device and written through the page cache from then on (layer-file.ts). Some take the O_DIRECT open and refuse
 * the write instead (EINVAL): that file goes on through the page cache from the byte the writes reached, on a
 * descriptor opened again without O_DIRECT (the writer's `reopen`, which remembers the device too). Only one write
 * is ever in flight, so nothing after it was written yet; the padded tail and the truncate work the same on it.
 */
import { closeSync, constants, ftruncateSync, write } from 'node:fs';

/** Alignment of memory, offsets and lengths (the largest logical block size in use: 4 KiB sectors). */
export const DIRECT_ALIGN = 4096;
/** Bytes per write. */
export const DIRECT_CHUNK = 1024 * 1024;
/** Files smaller than this are written through the page cache: padding and the extra truncate would cost more. */
export const DIRECT_MIN_BYTES = 256 * 1024;

/** O_DIRECT where the platform has it (Linux); 0 elsewhere (Windows, macOS: never used). */
export const O_DIRECT: number = (constants as { O_DIRECT?: number }).O_DIRECT ?? 0;

/** WebAssembly.Memory (the project's TypeScript libraries declare no WebAssembly). */
type WasmMemory = new (d: { initial: number; maximum?: number }) => { buffer: ArrayBuffer };
const Memory = (globalThis as unknown as { WebAssembly: { Memory: WasmMemory } }).WebAssembly.Memory;

/** Free aligned buffer pairs: a writer takes one and gives it back when done, so concurrent unpacks never share one. */
const free: [Buffer, Buffer][] = [];
function takeBuffers(): [Buffer, Buffer] {
  const pair = free.pop();
  if (pair) return pair;
  // WebAssembly pages are 64 KiB; V8 maps a memory's pages at a page-aligned address.
  const pages = (2 * DIRECT_CHUNK) / 65536;
  const m = Buffer.from(new Memory({ initial: pages, maximum: pages }).buffer);
  return [m.subarray(0, DIRECT_CHUNK), m.subarray(DIRECT_CHUNK)];
}

const refused = new Set<number>();

/** Whether a file of `size` bytes on the file system of device `dev` is worth (and allowed) writing direct. */
export function directWritable(size: number, dev: number): boolean {
  return O_DIRECT !== 0 && size >= DIRECT_MIN_BYTES && !refused.has(dev);
}

/** Records that the file system of `dev` refused O_DIRECT (the caller writes through the page cache instead). */
export function refuseDirect(dev: number): void {
  refused.add(dev);
}

/**
 * Writes a file's chunks, in order, to `fd` (opened with O_DIRECT); finish() writes the tail and sets the size.
 * A full buffer is written on the thread pool while the other fills, so the unpack's gunzip and hashing go on
 * during the transfer; write() waits only when both buffers are taken.
 */
export class DirectWriter {
  private bufs: [Buffer, Buffer] | undefined = takeBuffers();
  private cur = 0;
  private fill = 0;
  private pos = 0;
  private inflight: Promise<void> | undefined;
  /** The descriptor reopened without O_DIRECT after a refused write (closed by the writer). */
  private reopened: number | undefined;
  /** Milliseconds spent waiting for writes. */
  ms = 0;

  /**
   * `fd` is opened with O_DIRECT. `reopen` opens the same file again without it, for a write the file system
   * refuses (EINVAL); without it that write fails.
   */
  constructor(private fd: number, private readonly reopen?: () => number) {}

  async write(chunk: Buffer): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      const buf = this.buffers()[this.cur]!;
      const n = Math.min(chunk.length - off, DIRECT_CHUNK - this.fill);
      chunk.copy(buf, this.fill, off, off + n);
      this.fill += n;
      off += n;
      if (this.fill === DIRECT_CHUNK) await this.submit(DIRECT_CHUNK);
    }
  }

  /** Writes what is left (padded to the alignment), waits for every write and cuts the file back to its size. */
  async finish(): Promise<void> {
    const size = this.pos + this.fill;
    const tail = this.fill;
    if (tail > 0) {
      const padded = Math.ceil(tail / DIRECT_ALIGN) * DIRECT_ALIGN;
      this.buffers()[this.cur]!.fill(0, tail, padded);
      await this.submit(padded);
    }
    await this.settle();
    if (tail > 0) ftruncateSync(this.fd, size);
    this.release();
  }

  /** Waits for the write in flight (its error ignored: the caller is failing already) and gives the buffers back. Call before closing the file. */
  async idle(): Promise<void> {
    await this.settle().catch(() => undefined);
    this.release();
  }

  private buffers(): [Buffer, Buffer] {
    if (!this.bufs) throw new Error('direct writer used after it finished');
    return this.bufs;
  }

  private release(): void {
    if (this.bufs && !this.inflight) free.push(this.bufs);
    this.bufs = undefined;
    if (this.reopened !== undefined) closeSync(this.reopened);
    this.reopened = undefined;
  }

  /** Writes `len` bytes of `buf` at `pos`; a refused direct write goes on through the page cache where it stopped. */
  private async put(buf: Buffer, len: number, pos: number): Promise<void> {
    const progress = { done: 0 };
    try {
      await writeFully(this.fd, buf, len, pos, progress);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EINVAL' || !this.reopen || this.reopened !== undefined) throw e;
      this.fd = this.reopened = this.reopen();
      await writeFully(this.fd, buf, len, pos, progress);
    }
  }

  /** Waits for the write in flight; hands the current buffer's first `len` bytes to a write; switches buffers. */
  private async submit(len: number): Promise<void> {
    await this.settle();
    this.inflight = this.put(this.buffers()[this.cur]!, len, this.pos);
    // A failure is thrown by the next settle(); until then the promise must not count as unhandled.
    this.inflight.catch(() => undefined);
    this.pos += len;
    this.cur ^= 1;
    this.fill = 0;
  }

  private async settle(): Promise<void> {
    const w = this.inflight;
    if (!w) return;
    this.inflight = undefined;
    const t0 = performance.now();
    try { await w; } finally { this.ms += performance.now() - t0; }
  }
}

/** Writes `buf`'s first `len` bytes to `fd` at `pos`, from `progress.done` on; `progress.done` counts what was written. */
async function writeFully(fd: number, buf: Buffer, len: number, pos: number, progress: { done: number }): Promise<void> {
  while (progress.done < len) {
    const { done } = progress;
    const n = await new Promise<number>((res, rej) => write(fd, buf, done, len - done, pos + done, (e, w) => (e ? rej(e) : res(w))));
    if (n <= 0) throw Object.assign(new Error('direct write made no progress'), { code: 'EIO' });
    progress.done += n;
  }
}
