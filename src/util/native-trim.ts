/**
 * Gives the C heap's free pages back to the system (glibc `malloc_trim(0)`), after a burst of work whose native
 * allocations (HTTP/2 sessions, Buffers, zlib) are freed but whose pages glibc keeps. Linux with glibc only;
 * elsewhere (and where koffi cannot load libc) it does nothing.
 */
import { glibcFunction, glibcTable } from './glibc.js';

const load = glibcFunction<(pad: number) => number>('int malloc_trim(size_t pad)');

/** Returns whether a trim ran. */
export function trimNativeHeap(): boolean {
  const f = load();
  if (!f) return false;
  f(0);
  return true;
}

/** The busy trim's (busy-trim.ts) off switch: `WINCRI_BUSY_TRIM=0` (comparisons; the idle trim stays). */
const loadOffThread = glibcTable({ trim: 'int malloc_trim(size_t pad)' }, 'WINCRI_BUSY_TRIM');

/**
 * One `malloc_trim(0)` on a libuv pool thread (koffi's async call): the event loop runs on while it walks the
 * arenas; a malloc of another thread waits only while the trim holds that thread's arena. Null where glibc cannot
 * be had or the busy trim is switched off.
 */
export function trimNativeHeapOffThread(): Promise<boolean> | null {
  const t = loadOffThread();
  if (!t) return null;
  return new Promise((resolve) => t.trim.async(0, (err: unknown) => resolve(!err)));
}

/** Whether trimNativeHeapOffThread can run here. */
export const offThreadTrimAvailable = (): boolean => loadOffThread() !== null;
