/**
 * A chunk of container output straight to CRI record bytes. LineSplitter.push() makes a fragment object and a
 * buffer view per line, which is fine for a few lines; at 100-byte lines that is ~10 000 objects per MB, kept
 * alive until the batch is formatted, and the IO keeper spent about half its time collecting them. Here the
 * whole lines of a chunk are copied into one buffer behind their record headers in two scans (count and check
 * the lengths, then copy); only the chunk's ends (a line begun in an earlier chunk, the unterminated tail) and
 * chunks with over-long lines (`P` records) go through the splitter.
 */
import { LineSplitter, type LineFragment } from './log-lines.js';

const NL = 0x0a;
const CR = 0x0d;

/** Record headers of one batch: `<timestamp> <stream> F ` and `... P `. */
export interface RecordHeads { full: Buffer; part: Buffer }

/** Pushes `chunk` through `splitter`, appending the records it completes to `out`; returns how many. `alloc`: where the whole lines' records go. */
export function formatChunk(splitter: LineSplitter, chunk: Uint8Array, heads: RecordHeads, out: Buffer[],
  alloc: (bytes: number) => Buffer = Buffer.allocUnsafe): number {
  let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let records = 0;
  const general = (b: Buffer) => {
    const frags = splitter.push(b);
    if (frags.length) { out.push(formatFragments(heads, frags)); records += frags.length; }
  };
  if (splitter.buffered > 0) {
    // The first newline ends a line that began in an earlier chunk.
    const nl = buf.indexOf(NL);
    if (nl === -1) { general(buf); return records; }
    general(buf.subarray(0, nl + 1));
    buf = buf.subarray(nl + 1);
  }
  const last = buf.lastIndexOf(NL);
  if (last === -1) { general(buf); return records; }
  const body = buf.subarray(0, last + 1);
  const max = splitter.maxLineSize;
  let lines = 0;
  for (let s = 0; s < body.length;) {
    const nl = body.indexOf(NL, s);
    const len = nl > s && body[nl - 1] === CR ? nl - s - 1 : nl - s;
    if (max > 0 && len > max) { general(buf); return records; }
    lines++;
    s = nl + 1;
  }
  // Each record is at most its header plus the line's own bytes (its `\n` included; a `\r` is dropped).
  const head = heads.full;
  const rec = alloc(body.length + lines * head.length);
  let o = 0;
  for (let s = 0; s < body.length;) {
    const nl = body.indexOf(NL, s);
    const e = nl > s && body[nl - 1] === CR ? nl - 1 : nl;
    // TypedArray.set: Buffer.copy's argument checks cost as much as copying 100 bytes.
    rec.set(head, o);
    o += head.length;
    if (e > s) { rec.set(new Uint8Array(body.buffer, body.byteOffset + s, e - s), o); o += e - s; }
    rec[o++] = NL;
    s = nl + 1;
  }
  out.push(o === rec.length ? rec : rec.subarray(0, o));
  records += lines;
  if (last + 1 < buf.length) general(buf.subarray(last + 1));
  return records;
}

/** The records of a few fragments, in one buffer. */
export function formatFragments(heads: RecordHeads, frags: LineFragment[]): Buffer {
  let size = 0;
  for (const f of frags) size += heads.full.length + f.content.length + 1;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const f of frags) {
    o += (f.partial ? heads.part : heads.full).copy(out, o);
    if (f.content.length) o += f.content.copy(out, o);
    out[o++] = NL;
  }
  return out;
}
