/**
 * A glibc function through koffi, loaded on its first use and kept: Linux with glibc only. Where that cannot be
 * had (another OS, musl, koffi or libc.so.6 not loadable) the getter returns null and the caller does without.
 */
import { createRequire } from 'node:module';

type Koffi = { load(name: string): { func(declaration: string): unknown } };

/** `declaration`: the C prototype, e.g. `int malloc_trim(size_t pad)`. */
export function glibcFunction<F>(declaration: string): () => F | null {
  let fn: F | null | undefined;
  return () => {
    if (fn !== undefined) return fn;
    fn = null;
    if (process.platform !== 'linux') return fn;
    try {
      fn = (createRequire(import.meta.url)('koffi') as Koffi).load('libc.so.6').func(declaration) as F;
    } catch { /* musl or no koffi */ }
    return fn;
  };
}
