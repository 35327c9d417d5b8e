/**
 * Host pipes made under the socket names of wincri before pipe-socket-name.ts (`<name>` with `\` and `/` as `_`,
 * its case kept): a host program started then still listens there after an upgrade. When the socket of the
 * current name is absent and the old one is there, the old one stands for the pipe, with a warning (once per
 * name) saying to restart that program so it listens under the new name. An old name that is also the current name
 * of a pipe (`dir_x`: `\\.\pipe\dir\x` before, `\\.\pipe\dir_x` now) stands for nothing: it may be that other pipe.
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { pipeSocketFile } from './pipe-socket-name.js';

const warned = new Set<string>();

/** The socket of the current naming if present, else the old one if present (warned once), else the current one. */
export function presentPipeSocket(dir: string, name: string, current: string, log?: (m: string) => void): string {
  if (existsSync(current)) return current;
  const file = name.replace(/[\\/]/g, '_');
  const old = join(dir, /^\.+$/.test(file) ? file.replace(/\./g, '%2E') : file);
  if (old === current || pipeSocketFile(file, dir) === file || !existsSync(old)) return current;
  if (!warned.has(old)) {
    warned.add(old);
    log?.(`host pipe ${name}: using the socket ${old}, named as before this wincri version; the current name is ${current}: restart the program serving the pipe so it listens there`);
  }
  return old;
}
