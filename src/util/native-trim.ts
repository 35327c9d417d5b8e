/**
 * Gives the C heap's free pages back to the system (glibc `malloc_trim(0)`), after a burst of work whose native
 * allocations (HTTP/2 sessions, Buffers, zlib) are freed but whose pages glibc keeps. One binding of the function,
 * called on this thread (the idle trim) or on a libuv pool thread (the busy trim, busy-native.ts). Linux with glibc
 * only; elsewhere (and where koffi cannot load libc) it does nothing.
 */
import { glibcTable } from './glibc.js';

const load = glibcTable({ trim: 'int malloc_trim(size_t pad)' });

/** Returns whether a trim ran. */
export function trimNativeHeap(): boolean {
  const t = load();
  if (!t) return false;
  t.trim(0);
  return true;
}

/**
 * One `malloc_trim(0)` on a libuv pool thread (koffi's async call): the event loop runs on while it walks the
 * arenas; a malloc of another thread waits only while the trim holds that thread's arena. Null where glibc cannot
 * be had.
 */
export function trimNativeHeapOffThread(): Promise<boolean> | null {
  const t = load();
  if (!t) return null;
  return new Promise((resolve) => t.trim.async(0, (err: unknown) => resolve(!err)));
}

/** Whether the C heap can be trimmed here. */
export const nativeTrimAvailable = (): boolean => load() !== null;
