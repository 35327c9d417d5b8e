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
