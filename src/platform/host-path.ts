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

/**
 * True when `p` names a named pipe on this machine, in any spelling Windows reads as one: `\\.\pipe\name` or
 * `\\?\pipe\name` (Node's net docs: a pipe path is an entry in either; so does the keeper listen and a mount pass
 * it through as is). Win32 normalises every device path but one that starts exactly `\\?\`: a `/` there is a `\`,
 * runs of separators after the first two are one, and `.`/`..` segments are resolved — so `//./pipe/name` (what
 * kubelet and go-winio open for `npipe:////./pipe/name`) names the same pipe, and `\\.\pipe\..\x` names none.
 * `pipe` in any case (object names are case-insensitive). Not a pipe: a remote one (`\\server\pipe\name`), an
 * empty name, `\\?\pipe/name` (not normalised: no `pipe` directory holds `name`).
 */
export function isNamedPipe(p: string): boolean {
  return pipeNameOf(p) !== undefined;
}

/**
 * The name of the local pipe `p` names (see isNamedPipe), as the pipe file system sees it: after Win32's
 * normalisation for `\\.\` and `//?/` spellings, verbatim after `\\?\pipe\`; undefined when `p` names no pipe.
 * `\\.\pipe\a\..\b` → `b`; `\\?\pipe\a\..\b` → `a\..\b`. The one parser every layer uses (spec, HCS and job
 * documents, the emulator), so they agree on what is a pipe and which one.
 */
export function pipeNameOf(p: string): string | undefined {
  let segments: string[];
  if (p.startsWith('\\\\?\\')) segments = p.slice(4).split('\\');
  else if (/^[\\/]{2}[.?][\\/]/.test(p)) segments = normalised(p.slice(4).split(/[\\/]+/));
  else return undefined;
  if (segments.length < 2 || segments[0]!.toLowerCase() !== 'pipe' || segments[segments.length - 1] === '') return undefined;
  return segments.slice(1).join('\\');
}

/**
 * The one spelling of pipe `name` (from pipeNameOf) a document carries: `\\.\pipe\<name>`, the form hcsshim passes
 * as MappedPipe.HostPath; `\\?\pipe\<name>` only when normalising would change the name (`.`, `..`, empty
 * segments or a `/` in it), so the path still names that same pipe.
 */
export function canonicalPipePath(name: string): string {
  return normalised(name.split(/[\\/]+/)).join('\\') === name ? `\\\\.\\pipe\\${name}` : `\\\\?\\pipe\\${name}`;
}

/** The segments of a device path after its prefix as Win32 normalises them: empty ones (runs of separators) dropped, `.` and `..` resolved. */
function normalised(segments: string[]): string[] {
  const out: string[] = [];
  for (const s of segments) {
    if (s === '..') out.pop();
    else if (s !== '.' && s !== '') out.push(s);
  }
  return out;
}
