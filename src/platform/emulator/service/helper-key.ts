/**
 * What a built C helper (c-helper.ts) depends on besides its source: the compiler flags and the compilers that may
 * build it ($CC, cc, gcc, in that order). Its file name hashes all three, so a helper built by another compiler
 * (an upgrade, `cc` switched to another gcc) or with other flags is never taken for the current one, neither in
 * <stateDir>/bin nor in the cache shared between services (helper-cache.ts). A compiler is known by the file it
 * resolves to on PATH (through links), with that file's size and modification time: no compiler is run for it.
 */
import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const HELPER_CFLAGS: readonly string[] = ['-O2'];

/** The compilers a build tries, in order. */
export function compilerCandidates(): string[] {
  return [process.env.CC, 'cc', 'gcc'].filter((x): x is string => !!x);
}

/** `cc` as PATH (or its own path, when it has a slash) finds it: resolved file, size, mtime; undefined when absent. */
export function compilerIdentity(cc: string, path = process.env.PATH ?? ''): string | undefined {
  const places = cc.includes('/') ? [cc] : path.split(delimiter).filter(Boolean).map((d) => join(d, cc));
  for (const p of places) {
    try {
      const real = realpathSync(p);
      const st = statSync(real);
      if (st.isFile()) return `${real}:${st.size}:${Math.trunc(st.mtimeMs)}`;
    } catch { /* not there */ }
  }
  return undefined;
}

/** `<name>-<hash>` of the source, the flags and every candidate compiler's identity. */
export function helperFileName(name: string, source: string, compilers = compilerCandidates(), flags = HELPER_CFLAGS): string {
  const h = createHash('sha256').update(source).update(`\0${flags.join(' ')}`);
  for (const cc of compilers) h.update(`\0${cc}=${compilerIdentity(cc) ?? 'absent'}`);
  return `${name}-${h.digest('hex').slice(0, 12)}`;
}
