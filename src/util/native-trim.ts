/**
 * Gives the C heap's free pages back to the system (glibc `malloc_trim(0)`), after a burst of work whose native
 * allocations (HTTP/2 sessions, Buffers, zlib) are freed but whose pages glibc keeps. Linux with glibc only;
 * elsewhere (and where koffi cannot load libc) it does nothing.
 */
import { createRequire } from 'node:module';

type Trim = (pad: number) => number;
let trimFn: Trim | null | undefined;

function load(): Trim | null {
  if (trimFn !== undefined) return trimFn;
  trimFn = null;
  if (process.platform !== 'linux') return trimFn;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as { load(n: string): { func(s: string): Trim } };
    trimFn = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)');
  } catch { /* musl or no koffi: nothing to trim with */ }
  return trimFn;
}

/** Returns whether a trim ran. */
export function trimNativeHeap(): boolean {
  const f = load();
  if (!f) return false;
  f(0);
  return true;
}
