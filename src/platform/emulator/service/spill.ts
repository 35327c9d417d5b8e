/**
 * Spill files: an on-disk copy of what an output relay (relay.ts) read from a process's pipe and its attachment has
 * not taken yet, so a killed service loses none of it: the restarted service reads it back (recoverSpill) and
 * replays it from the offset the attachment names, then reads on from the pipe (stdio-fifo.ts).
 *
 * The relay writes each chunk here before it forwards it, with a plain write(2) and no fsync: once write returns,
 * the bytes are in the kernel's page cache, which a kill -9 of the service does not touch. Only a host crash loses
 * them, and a host crash also kills the process that wrote them and empties its pipe, so an fsync per chunk would
 * buy nothing but latency.
 *
 * Not covered on this path: the one read in progress. read(2) takes bytes out of the pipe and the spill write
 * follows in the same callback (stdio-fifo.ts hands each read over at once); a kill landing between the two loses
 * that read, at most READ_SIZE bytes per stream, and the restarted relay numbers what follows from the spill's end,
 * so the attachment sees no gap: the loss is silent. Processes of isolated systems started through the namespace
 * helper do not take this path: the helper, which outlives the service, reads the program's pipes and writes these
 * same segments itself (ns-helper-spool-source.ts), and the service only reads the files (spool-relay.ts), so a
 * service kill loses nothing there, exactly once.
 *
 * Console processes (EmulateConsole) do not take it either: the pty helper's relay spools the terminal's output
 * the same way (console-helper.ts). Both helpers also feed the program's stdin from files the service spools it to
 * (stdin-spool.ts, stdin-feed-source.ts).
 *
 * What still takes this path (and so can lose one read per stream per service kill): every process no helper
 * launches: a non-isolated emulator (not root, no namespaces, util-linux missing), WINCRI_EMULATOR_NS_HELPER=0 or
 * no C compiler (the nsenter chain), job containers. Their stdin is a pipe the service holds: a service kill closes
 * it (the program reads EOF) and drops what was in flight. Closing that would take a namespace-less mode of the
 * helper that spools as `enter` does.
 *
 * One stream's spill is a run of segments `<pipe path>.<stream offset, base 36>.spill`, each holding the bytes
 * from that offset on. Writes go to the newest; a new one starts once it holds SEGMENT bytes, and older ones are
 * removed as soon as all their bytes are taken. On disk per stream: at most the relay's window plus one segment
 * plus one chunk. Spill files go with the relay's end (all taken), its close, or the process record
 * (compute-base.ts); a restarted service sweeps those of records it no longer has (output-sweep.ts).
 */
import { closeSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Segment size: a file is created and removed per SEGMENT bytes of output. A segment goes only once its successor
 * exists, so it stays well below what a nearly full disk still has (at 256 KiB a spool on a 128 KiB file system
 * never rotated, and never made room again: spool-enospc.test.ts).
 */
export const SEGMENT = 64 * 1024;
/**
 * Bytes a spooling waiter (ns-helper-spool-source.ts) keeps on disk per stream before it stops reading the
 * program's pipe: from the oldest segment the service has not removed to the end (plus one read). It is also how
 * far the program may run ahead of the IO keeper's acknowledgements: at 256 KiB a fast writer stalled every few
 * reads, the producer, waiter, service and keeper advancing in lockstep (1 MiB alone did not raise the bench's log
 * throughput; together with the keeper's batched writes, keeper-batches.ts, it did).
 */
export const SPOOL_WINDOW = 1024 * 1024;
/** Largest read of a spooling waiter from the program's pipe (1 MiB large, ns-helper-source.ts). */
export const SPOOL_READ = 256 * 1024;

interface Segment { base: number; path: string }

export const segPath = (pipe: string, base: number) => `${pipe}.${base.toString(36)}.spill`;

/** The spill segments of the pipe at `pipe`, oldest first. */
export function spillSegments(pipe: string): Segment[] {
  const prefix = `${basename(pipe)}.`;
  let names: string[] = [];
  try { names = readdirSync(dirname(pipe)); } catch { return []; }
  return names.flatMap((n) => {
    if (!n.startsWith(prefix) || !n.endsWith('.spill')) return [];
    const base = parseInt(n.slice(prefix.length, -'.spill'.length), 36);
    return Number.isSafeInteger(base) ? [{ base, path: join(dirname(pipe), n) }] : [];
  }).sort((a, b) => a.base - b.base);
}

export function removeSpills(pipes: Partial<Record<string, string>> | undefined): void {
  for (const p of Object.values(pipes ?? {})) {
    if (!p) continue;
    for (const s of spillSegments(p)) rmSync(s.path, { force: true });
    rmSync(`${p}.eof`, { force: true }); // a spooled stdin's end record (stdin-spool.ts)
  }
}

export class Spill {
  private fd: number | undefined;
  private size = 0;

  private constructor(private readonly pipe: string, private segs: Segment[], fd: number, size: number) {
    this.fd = fd;
    this.size = size;
  }

  /** Starts a spill whose first byte is stream offset `base`; undefined (nothing spilled) when it cannot. */
  static start(pipe: string, base: number): Spill | undefined {
    removeSpills({ pipe });
    try {
      const path = segPath(pipe, base);
      return new Spill(pipe, [{ base, path }], openSync(path, 'w', 0o600), 0);
    } catch { return undefined; }
  }

  /**
   * What a killed service's relay had spilled: the stream offset of its first byte and the bytes, and the spill
   * to append to. Only the contiguous run ending at the newest segment counts (none other is ever left).
   */
  static recover(pipe: string): { spill: Spill; base: number; chunks: Buffer[] } | undefined {
    let segs = spillSegments(pipe);
    if (segs.length === 0) return undefined;
    try {
      const chunks = segs.map((s) => readFileSync(s.path));
      let first = segs.length - 1;
      while (first > 0 && segs[first - 1]!.base + chunks[first - 1]!.length === segs[first]!.base) first--;
      for (const s of segs.slice(0, first)) rmSync(s.path, { force: true });
      segs = segs.slice(first);
      const last = segs[segs.length - 1]!;
      const spill = new Spill(pipe, segs, openSync(last.path, 'a'), chunks[chunks.length - 1]!.length);
      return { spill, base: segs[0]!.base, chunks: chunks.slice(first).filter((c) => c.length > 0) };
    } catch {
      removeSpills({ pipe });
      return undefined;
    }
  }

  get active(): boolean { return this.fd !== undefined; }

  /**
   * Appends `chunk`, whose first byte is stream offset `offset`. A spill that cannot be written removes itself
   * (a restarted service then numbers on from what its attachment received, as without a spill).
   */
  append(chunk: Buffer, offset: number): void {
    if (this.fd === undefined) return;
    try {
      if (this.size >= SEGMENT) this.rotate(offset);
      for (let done = 0; done < chunk.length;) done += writeSync(this.fd, chunk, done, chunk.length - done);
      this.size += chunk.length;
    } catch {
      this.remove();
    }
  }

  /** Removes the segments all of whose bytes are below `base` (taken); the newest always stays. */
  trim(base: number): void {
    while (this.segs.length > 1 && this.segs[1]!.base <= base) rmSync(this.segs.shift()!.path, { force: true });
  }

  remove(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    for (const s of this.segs) rmSync(s.path, { force: true });
    this.segs = [];
  }

  /** A new segment from `offset` on; made before the old one stops growing, so the run stays contiguous. */
  private rotate(offset: number): void {
    const path = segPath(this.pipe, offset);
    const fd = openSync(path, 'w', 0o600);
    closeSync(this.fd!);
    this.fd = fd;
    this.segs.push({ base: offset, path });
    this.size = 0;
  }
}

/** Bytes a spill holds on disk (tests). */
export function spillBytes(pipe: string): number {
  return spillSegments(pipe).reduce((n, s) => { try { return n + statSync(s.path).size; } catch { return n; } }, 0);
}
