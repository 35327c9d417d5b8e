/**
 * glibc through koffi, loaded on first use and kept: Linux with glibc only. Where that cannot be had (another OS,
 * musl, koffi or libc.so.6 not loadable) the getters return null and the caller does without.
 */
import { createRequire } from 'node:module';

export interface Glibc {
  /** A function by its C prototype, e.g. `int malloc_trim(size_t pad)`; throws if glibc lacks it. */
  func(declaration: string): unknown;
  /** The calling thread's errno after a synchronous call. */
  errno(): number;
}

let lib: Glibc | null | undefined;

export function glibc(): Glibc | null {
  if (lib !== undefined) return lib;
  lib = null;
  if (process.platform !== 'linux') return lib;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as { load(name: string): { func(d: string): unknown }; errno(): number };
    const so = koffi.load('libc.so.6');
    lib = { func: (d) => so.func(d), errno: () => koffi.errno() };
  } catch { /* musl or no koffi */ }
  return lib;
}

/** `declaration`: the C prototype, e.g. `int malloc_trim(size_t pad)`. */
export function glibcFunction<F>(declaration: string): () => F | null {
  let fn: F | null | undefined;
  return () => {
    if (fn !== undefined) return fn;
    fn = null;
    try { fn = (glibc()?.func(declaration) as F | undefined) ?? null; } catch { /* not in this glibc */ }
    return fn;
  };
}

/** A glibc function as koffi gives it: called on this thread, or `.async(…args, cb)` on a libuv pool thread. */
export type GlibcFn = ((...args: unknown[]) => number) & { async(...args: unknown[]): void };

/**
 * A set of glibc functions by name → C prototype, loaded together on first use and kept, with `errno` (the calling
 * thread's, after a synchronous call; inside an `.async` callback, the pool thread's). Null when glibc cannot be
 * had, one of them is missing, or the environment variable `offVar` is "0".
 */
export function glibcTable<K extends string>(decls: Record<K, string>, offVar?: string): () => (Record<K, GlibcFn> & { errno(): number }) | null {
  let table: (Record<K, GlibcFn> & { errno(): number }) | null | undefined;
  return () => {
    if (table !== undefined) return table;
    table = null;
    const lib = offVar !== undefined && process.env[offVar] === '0' ? null : glibc();
    if (!lib) return table;
    try {
      const fns = Object.fromEntries(Object.entries<string>(decls).map(([k, d]) => [k, lib.func(d)])) as Record<K, GlibcFn>;
      table = Object.assign(fns, { errno: () => lib.errno() });
    } catch { /* a function this glibc lacks */ }
    return table;
  };
}
