/**
 * Windows path rules of a host path a container mounts (a mount's host_path): it must be absolute, naming one place
 * whatever the daemon's current directory and drive. Absolute here: a drive path (`C:\data`, `C:/data`), a UNC or
 * device path (`\\server\share`, `\\?\C:\data`, `\\.\pipe\x`), or a path from `/` (the emulator's Linux paths).
 * Not absolute: a relative path (`data\x`) or a drive-relative one (`C:data`, relative to that drive's current
 * directory). cri/validate-input.ts turns a path that is not absolute into InvalidArgument naming the field.
 */

/** True when `p` names a host path without depending on a current directory (see the top of this file). */
export function isAbsoluteHostPath(p: string): boolean {
  return /^([A-Za-z]:[\\/]|\\\\|\/)/.test(p);
}

/** True when `p` names a Windows named pipe (`\\.\pipe\name`, `//./pipe/name`): a mount passes it through as is. */
export function isNamedPipe(p: string): boolean {
  return /^\\\\\.\\pipe\\/i.test(p) || p.startsWith('//./pipe/');
}
