/**
 * Gives the C heap's free pages back to the system (glibc `malloc_trim(0)`), after a burst of work whose native
 * allocations (HTTP/2 sessions, Buffers, zlib) are freed but whose pages glibc keeps. Linux with glibc only;
 * elsewhere (and where koffi cannot load libc) it does nothing.
 */
import { glibcFunction } from './glibc.js';

const load = glibcFunction<(pad: number) => number>('int malloc_trim(size_t pad)');

/** Returns whether a trim ran. */
export function trimNativeHeap(): boolean {
  const f = load();
  if (!f) return false;
  f(0);
  return true;
}
