/**
 * Unmaps the node binary's code and read-only data pages from this process once it goes quiet (Linux only).
 *
 * Why: node's executable is ~95 MB, and a wincri process has 25–30 MiB of it mapped after a little work — the
 * kernel maps the 64 KiB around every page fault from the page cache, and V8's builtins, the bundled ICU and
 * node's own code lie spread over it. Those pages count in every process's PSS (shared with the other node
 * processes on the host: with only wincri's three, about 10 MiB each — a third of the runtime's memory at 0
 * pods), yet a process that answers a poll now and then runs a few MiB of it. madvise(MADV_DONTNEED) on a clean
 * private file mapping drops only this process's page-table entries: the pages stay in the page cache and the
 * next use maps them back with a minor fault (no disk read while another process or the cache holds them). So
 * what stays mapped at rest is what the process actually runs at rest.
 *
 * Safety: only mappings of the node executable that are read-only (r-xp, r--p) and hold no anonymous (copied on
 * write) page are touched — for such a mapping, MADV_DONTNEED cannot change what a later read sees. The RELRO
 * part of r--p was written by the dynamic loader before it became read-only; it has anonymous pages and is
 * skipped. Where koffi or libc cannot be loaded, nothing happens.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { glibcFunction } from './glibc.js';

const MADV_DONTNEED = 4;

const load = glibcFunction<(addr: bigint, len: bigint, advice: number) => number>('int madvise(uintptr_t addr, size_t len, int advice)');

export interface Mapping { start: bigint; end: bigint; perms: string; path: string; anonymousKiB: number; swapKiB: number }

/** The mappings listed by /proc/<pid>/smaps text, with their Anonymous: and Swap: figures. */
export function parseSmaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  let cur: Mapping | undefined;
  for (const line of text.split('\n')) {
    const h = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (h) {
      cur = { start: BigInt(`0x${h[1]}`), end: BigInt(`0x${h[2]}`), perms: h[3]!, path: h[4]!, anonymousKiB: 0, swapKiB: 0 };
      out.push(cur);
      continue;
    }
    const a = /^Anonymous:\s+(\d+) kB/.exec(line);
    if (a && cur) cur.anonymousKiB = Number(a[1]);
    const w = /^Swap:\s+(\d+) kB/.exec(line);
    if (w && cur) cur.swapKiB = Number(w[1]);
  }
  return out;
}

/**
 * The mappings of `exe` that MADV_DONTNEED can drop without changing their contents: read-only, and with no
 * copied-on-write page in memory (Anonymous) or swapped out (Swap; a swapped RELRO page shows only there).
 */
export function droppable(maps: readonly Mapping[], exe: string): Mapping[] {
  return maps.filter((m) => m.path === exe && (m.perms === 'r-xp' || m.perms === 'r--p') && m.anonymousKiB === 0 && m.swapKiB === 0);
}

/**
 * Looked up at every release (4–18 ms once per quiet spell): a read-only mapping can gain copied-on-write pages
 * after start — a debugger's breakpoints, uprobes — which a cached answer would then throw away.
 */

/** Returns how many mappings were dropped (0 where this cannot be done). */
export function releaseBinaryPages(): number {
  const madvise = load();
  if (!madvise) return 0;
  try {
    const ranges = droppable(parseSmaps(readFileSync('/proc/self/smaps', 'utf8')), realpathSync(process.execPath));
    let n = 0;
    for (const m of ranges) if (madvise(m.start, m.end - m.start, MADV_DONTNEED) === 0) n++;
    return n;
  } catch {
    return 0;
  }
}
