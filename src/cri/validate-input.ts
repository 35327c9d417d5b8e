/**
 * Checks of what a CRI client sends beyond its shape: names, paths, maps and environment a buggy or hostile
 * client could use to mislead logs and terminals (control and bidi characters), to reach outside the
 * directories it names (`..`), or to exhaust memory and disk (huge labels, env). Each failure is InvalidArgument
 * naming the field; values are quoted with escapes so the message itself carries no control character.
 */
import { invalidArgument } from '../errors.js';
import { escapesRoot } from '../platform/container-path-escape.js';
import { isAbsoluteHostPath } from '../platform/host-path.js';

/** Kubernetes' limit for all annotations of one object (TotalAnnotationSizeLimitB); labels get the same. */
export const MAX_MAP_BYTES = 256 * 1024;
/** Environment of one container: all keys and values (Windows caps one variable at 32767 characters). */
export const MAX_ENV_BYTES = 1024 * 1024;
export const MAX_NAME = 253;

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Control, format (bidi overrides, zero-width, BOM), separator and private-use characters. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}]/u;

export function quote(v: string, max = 80): string {
  const q = JSON.stringify(v.length > max ? `${v.slice(0, max)}…` : v).replace(/[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return v.length > max ? `${q} (${v.length} characters)` : q;
}

/** A metadata name, namespace or uid: printable, no path separator, at most 253 characters. */
export function checkName(v: string, field: string): void {
  if (v.length > MAX_NAME) throw invalidArgument(`${field}: ${quote(v)} is longer than ${MAX_NAME} characters`);
  if (INVISIBLE.test(v)) throw invalidArgument(`${field}: ${quote(v)} contains a control or invisible formatting character`);
  if (/[\\/]/.test(v)) throw invalidArgument(`${field}: ${quote(v)} contains a path separator`);
}

/** Text without control characters (paths, hostnames, DNS entries, references). */
export function checkText(v: string, field: string, max = 4096): void {
  if (v.length > max) throw invalidArgument(`${field}: ${quote(v)} is longer than ${max} characters`);
  if (CONTROL.test(v) || /[\u202a-\u202e\u2066-\u2069]/.test(v)) throw invalidArgument(`${field}: ${quote(v)} contains a control character`);
}

/** A host path the runtime writes under: no control characters and no `..` component. */
export function checkHostDir(v: string, field: string): void {
  checkText(v, field);
  if (v.split(/[\\/]/).includes('..')) throw invalidArgument(`${field}: ${quote(v)} contains a ".." component; give the directory itself`);
}

export function checkMap(m: Record<string, string>, field: string): void {
  let bytes = 0;
  for (const [k, v] of Object.entries(m)) {
    if (!k) throw invalidArgument(`${field}: an empty key`);
    if (CONTROL.test(k)) throw invalidArgument(`${field}: key ${quote(k)} contains a control character`);
    bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
    if (bytes > MAX_MAP_BYTES) throw invalidArgument(`${field}: larger than ${MAX_MAP_BYTES / 1024} KiB in total (Kubernetes' limit)`);
  }
}

export function checkEnv(envs: { key: string; value: string }[], field: string): void {
  let bytes = 0;
  envs.forEach((e, i) => {
    if (!e.key) throw invalidArgument(`${field}[${i}].key is empty`);
    if (e.key.includes('=') || CONTROL.test(e.key)) throw invalidArgument(`${field}[${i}].key ${quote(e.key)} contains "=" or a control character`);
    if (e.value.includes('\u0000')) throw invalidArgument(`${field}[${i}].value of ${quote(e.key)} contains a NUL character`);
    bytes += e.key.length + e.value.length + 2;
    if (bytes > MAX_ENV_BYTES) throw invalidArgument(`${field}: the environment is larger than ${MAX_ENV_BYTES / 1024} KiB`);
  });
}

export function checkArgv(list: string[], field: string): void {
  list.forEach((a, i) => { if (a.includes('\u0000')) throw invalidArgument(`${field}[${i}]: ${quote(a)} contains a NUL character`); });
}

/**
 * A path as the container sees it: no control characters, and no `..` climbing above its root (platform/container-path-escape.ts;
 * a `..` that stays inside is fine). Not necessarily absolute: HostProcess containers name paths relative to (or
 * through) %CONTAINER_SANDBOX_MOUNT_POINT%.
 */
export function checkContainerPath(v: string, field: string, required: boolean): void {
  if (!v) { if (required) throw invalidArgument(`${field} is required`); return; }
  checkText(v, field);
  if (escapesRoot(v)) throw invalidArgument(`${field}: ${quote(v)} climbs above its root with ".." (path traversal); name a path inside the container`);
}

/** A host path to mount: no control characters, and absolute (platform/host-path.ts has what that means). */
export function checkHostPath(v: string, field: string): void {
  if (!v) throw invalidArgument(`${field} is required`);
  checkText(v, field);
  if (!isAbsoluteHostPath(v)) throw invalidArgument(`${field}: ${quote(v)} must be an absolute host path`);
}
