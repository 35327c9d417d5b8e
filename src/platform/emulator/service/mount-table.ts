/**
 * The mounts that build an isolated system's file system (rootfs.ts), written as an fstab file that one
 * `mount --all --fstab <file>` (util-linux) performs inside the new mount namespace: one process for a whole
 * group of mounts instead of one `mount` (two for a read-only bind) per mount. `bind,ro` binds and remounts
 * read-only in one entry; `nofail` makes an entry optional (its failure is ignored); any other failing entry
 * makes `mount` exit non-zero. libmount reads only regular files (not pipes), so the table is a file.
 */

export interface MountEntry {
  source: string;
  target: string;
  /** File system type; 'none' for a bind mount. */
  type: string;
  options: string[];
  /** The entry may fail (it was `… 2>/dev/null || true`). */
  optional?: boolean;
}

/** fstab escaping: whitespace, backslash and '#' become \ooo (libmount unescapes every field, options too). */
export function mangle(s: string): string {
  return s.replace(/[\s\\#]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

export function bindEntry(source: string, target: string, readOnly: boolean): MountEntry {
  return { source, target, type: 'none', options: readOnly ? ['bind', 'ro'] : ['bind'] };
}

/** The table's text: one line per entry, in order. */
export function fstabText(entries: readonly MountEntry[]): string {
  return entries.map((e) => {
    const opts = [...e.options, ...(e.optional ? ['nofail'] : [])];
    return `${mangle(e.source)} ${mangle(e.target)} ${e.type} ${mangle(opts.join(',') || 'defaults')} 0 0\n`;
  }).join('');
}

// mount(2) flags (linux/mount.h) of the options the tables use.
const FLAGS: Record<string, number> = { ro: 1, nosuid: 2, nodev: 4, noexec: 8, bind: 4096, rbind: 4096 | 16384, rw: 0, defaults: 0 };

/**
 * The same table for the namespace helper (ns-helper-source.ts), which calls mount(2) itself instead of running
 * `mount`: per entry six NUL-terminated fields — mount flags (decimal), optional (0/1), source, target, type, and
 * the file system's own options (`lowerdir=…`). A bind with flags is a bind then a remount, as `mount` does.
 * Types `@dir`, `@file`, `@link` make a directory, an empty file, a link to the source (dev-tmpfs.ts).
 */
export function mountListText(entries: readonly MountEntry[]): string {
  return entries.map((e) => {
    let flags = 0;
    const data: string[] = [];
    for (const o of e.options) {
      const f = FLAGS[o];
      if (f === undefined) data.push(o); else flags |= f;
    }
    return [String(flags), e.optional ? '1' : '0', e.source, e.target, e.type, data.join(',')].map((f) => `${f}\0`).join('');
  }).join('');
}
