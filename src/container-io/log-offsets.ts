/**
 * How much of a container's output its CRI log holds, kept so a killed IO keeper neither loses nor repeats a line.
 *
 * The keeper reads output with acknowledgements (platform ProcessStdio.acks): the platform keeps every byte until
 * the keeper says it is in the log, and hands unacknowledged bytes to the next keeper from the offset that keeper
 * names. That offset must be exact: too low repeats lines the dead keeper wrote, too high loses lines. So before
 * each batch of records goes to the log, the writer's journal (log-writer.ts) states where the file stands and what
 * the stream offsets are before and after the batch; this file keeps the latest statement, overwritten in place
 * with one write (a kill -9 cannot tear it). After a restart the log's size tells which side of the last batch the
 * keeper died on: at or past sizeAfter the batch is in (offsets after), at sizeBefore it is not (offsets before),
 * in between it was cut short and is truncated away (offsets before).
 *
 * Layout: <stateDir>/containers/<containerId>.offsets, 7 little-endian float64 values:
 *   ino, sizeBefore, sizeAfter, stdoutBefore, stderrBefore, stdoutAfter, stderrAfter.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile, stat, truncate } from 'node:fs/promises';
import type { LogJournalEntry, StreamOffsets } from './log-writer.js';

const FIELDS = 7;
const SIZE = FIELDS * 8;

export class OffsetJournal {
  private fd: number | undefined;
  private readonly buf = Buffer.alloc(SIZE);

  private constructor(fd: number, private prev: StreamOffsets) { this.fd = fd; }

  /**
   * Opens the journal and states `prev` (what the log already holds) with no batch in flight. The file is
   * overwritten in place, never truncated: a keeper killed right here leaves a valid statement either way.
   */
  static create(path: string, prev: StreamOffsets = { stdout: 0, stderr: 0 }): OffsetJournal {
    let fd: number;
    try { fd = openSync(path, 'r+'); } catch { fd = openSync(path, 'w', 0o600); }
    const j = new OffsetJournal(fd, { ...prev });
    // ino 0 matches no log file: recovery takes the "before" offsets, which are prev.
    j.write({ ino: 0, sizeBefore: 0, sizeAfter: 0, offsets: { ...prev } });
    return j;
  }

  /** The log writer's journal callback. */
  write(j: LogJournalEntry): void {
    if (this.fd === undefined) return;
    const v = [j.ino, j.sizeBefore, j.sizeAfter, this.prev.stdout, this.prev.stderr, j.offsets.stdout, j.offsets.stderr];
    for (let i = 0; i < FIELDS; i++) this.buf.writeDoubleLE(v[i]!, i * 8);
    writeSync(this.fd, this.buf, 0, SIZE, 0);
    this.prev = { ...j.offsets };
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

export interface RecoveredOffsets { offsets: StreamOffsets; truncatedBytes: number }

/**
 * The stream offsets the log at logPath holds according to the journal at path; undefined without a journal
 * (a keeper that did not keep one). A batch cut short by the kill is truncated away.
 */
export async function recoverOffsets(path: string, logPath: string): Promise<RecoveredOffsets | undefined> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  // Created but nothing written yet: the log holds nothing of this process.
  if (raw.length < SIZE) return { offsets: { stdout: 0, stderr: 0 }, truncatedBytes: 0 };
  const v = Array.from({ length: FIELDS }, (_, i) => raw.readDoubleLE(i * 8));
  const [ino, sizeBefore, sizeAfter, outBefore, errBefore, outAfter, errAfter] = v as [number, number, number, number, number, number, number];
  const before = { offsets: { stdout: outBefore, stderr: errBefore }, truncatedBytes: 0 };
  const after = { offsets: { stdout: outAfter, stderr: errAfter }, truncatedBytes: 0 };
  const st = await stat(logPath).catch(() => undefined);
  // The log was rotated away (or removed) after the statement: which file got the batch is unknown; repeating
  // one batch is better than losing it.
  if (!st || st.ino !== ino) return before;
  if (st.size >= sizeAfter) return after;
  if (st.size <= sizeBefore) return before;
  await truncate(logPath, sizeBefore);
  return { ...before, truncatedBytes: st.size - sizeBefore };
}
