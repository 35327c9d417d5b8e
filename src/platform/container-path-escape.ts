/**
 * Path traversal in a path as the container sees it (a working_dir, a mount's container_path): after removing
 * `.` and resolving `..`, the path must stay below its root: the drive (`C:\`, `D:\`), the root of the current drive
 * (`\app`), a leading variable (`%CONTAINER_SANDBOX_MOUNT_POINT%\`, `$env:CONTAINER_SANDBOX_MOUNT_POINT\`) or, for a
 * relative path (HostProcess containers), the directory it is relative to. Windows clamps `..` at a drive root;
 * a client that names one above it means a place the runtime must not guess, so it is refused, not clamped.
 * UNC and device paths (`\\server\share`, `\\.\pipe\x`) have no `..` semantics here and are left to the platform.
 * Windows path rules only: cri/validate-input.ts turns an escape into InvalidArgument naming the field; the same
 * container paths are created below the layer by container-path.ts.
 */

/** The part after the root, or undefined for a UNC/device path. */
function belowRoot(p: string): string | undefined {
  if (/^[\\/]{2}/.test(p)) return undefined;
  const root = /^([A-Za-z]:|%[^%\\/]+%|\$env:[A-Za-z_][A-Za-z0-9_]*)/.exec(p);
  return root ? p.slice(root[0].length) : p;
}

/** True when `..` components climb above the path's root. */
export function escapesRoot(p: string): boolean {
  const rest = belowRoot(p);
  if (rest === undefined) return false;
  let depth = 0;
  for (const s of rest.split(/[\\/]+/)) {
    if (!s || s === '.') continue;
    if (s === '..') { if (depth === 0) return true; depth--; continue; }
    depth++;
  }
  return false;
}
