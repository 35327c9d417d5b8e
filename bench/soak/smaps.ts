/**
 * Where a process's resident memory is, from /proc/<pid>/smaps: the glibc main arena (`[heap]`, brk), other
 * anonymous mappings (V8's heap pages, malloc's mmap'd chunks and thread arenas, stacks) and file-backed pages
 * (the node binary, shared libraries). RSS growth in `anon` alone points at the JS heap or malloc's arenas, in
 * `brk` at the C heap's main arena; growth in `file` is code paged in.
 */
import { readFileSync } from 'node:fs';

export interface RssParts { brkKiB: number; anonKiB: number; fileKiB: number }

const HEADER = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ (\d+)\s*(.*)$/;

/** The parts of a process's RSS; all 0 when the process is gone. */
export function rssParts(pid: number): RssParts {
  try { return parseSmaps(readFileSync(`/proc/${pid}/smaps`, 'utf8')); } catch { return { brkKiB: 0, anonKiB: 0, fileKiB: 0 }; }
}

/** Sums the Rss lines of an smaps text by the kind of mapping each belongs to. */
export function parseSmaps(text: string): RssParts {
  const out: RssParts = { brkKiB: 0, anonKiB: 0, fileKiB: 0 };
  let kind: keyof RssParts = 'anonKiB';
  for (const line of text.split('\n')) {
    const h = HEADER.exec(line);
    if (h) {
      const name = h[2]!.trim();
      kind = name === '[heap]' ? 'brkKiB' : h[1] !== '0' || name.startsWith('/') ? 'fileKiB' : 'anonKiB';
      continue;
    }
    if (line.startsWith('Rss:')) out[kind] += Number(/(\d+)/.exec(line)![1]);
  }
  return out;
}
