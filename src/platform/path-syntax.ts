/**
 * Windows path syntax, for the checks above platform/ that must read a path the way Windows would whatever the
 * daemon's OS: both `\` and `/` separate components, a path is rooted by a leading separator or a drive letter
 * (`C:\x`, and `C:x`, relative to that drive's current directory, still names the drive), and a container's
 * system drive is C:. Pure string rules; host-path.ts says which host paths are absolute.
 */

/** True when `p` starts with a separator (`\x`, `/x`, `\\server\share`). */
export const startsAtRoot = (p: string): boolean => /^[\\/]/.test(p);

/** True when `p` starts with a drive letter (`C:\x`, `c:/x`, or drive-relative `C:x`). */
export const hasDriveLetter = (p: string): boolean => /^[A-Za-z]:/.test(p);

/** True when `p` is not relative to a current directory on Windows: a leading separator or a drive letter. */
export const isWindowsRooted = (p: string): boolean => startsAtRoot(p) || hasDriveLetter(p);

/** True when `p` is the root of a drive (`C:`, `C:\`, `c:/`). */
export const isDriveRoot = (p: string): boolean => /^[A-Za-z]:[\\/]?$/.test(p);

/** The components of `p` split at either separator (empty ones kept). */
export const pathComponents = (p: string): string[] => p.split(/[\\/]/);

/** `p` with its backslashes turned into slashes. */
export const withSlashes = (p: string): string => p.replace(/\\/g, '/');

/**
 * The components below the root of a path on a container's system drive (`C:\a\b`, `c:/a/b` → ['a', 'b']), or
 * undefined for any other path (another drive, a drive-relative, rooted or relative path).
 */
export function systemDriveComponents(p: string): string[] | undefined {
  return /^[Cc]:[\\/]/.test(p) ? pathComponents(p.slice(3)) : undefined;
}
