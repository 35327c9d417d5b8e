/**
 * Exit status files of isolated processes: the namespace helper (ns-helper.ts) that waits for a program writes
 * "exit N" or "signal N" to <stateDir>/exits/<uuid> (temp file + rename) before it exits itself. A service that
 * re-adopted the process after a restart (no longer its parent, so it cannot collect the status) reads the real
 * exit code from there. A file goes once the exit it holds is recorded; files nobody refers to go at load.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';

const made = new Set<string>();

/** A fresh status file path (its directory made once per process). */
export function newStatusFile(stateDir: string): string {
  const dir = join(stateDir, 'exits');
  if (!made.has(dir)) { mkdirSync(dir, { recursive: true, mode: 0o700 }); made.add(dir); }
  return join(dir, randomUUID());
}

/** The exit code in a status file (128+N for signal N, as exitCodeOf); undefined when there is none (yet). */
export function readExitStatus(path: string | undefined): number | undefined {
  if (!path) return undefined;
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch { return undefined; }
  const m = /^(exit|signal) (\d+)\n$/.exec(text);
  if (!m) return undefined;
  const n = Number(m[2]);
  return m[1] === 'exit' ? n : 128 + n;
}

export function removeStatusFile(path: string | undefined): void {
  if (path) void rm(path, { force: true }).catch(() => undefined);
}

/** Removes the status files (and leftover temp files) no record refers to. */
export function sweepStatusFiles(stateDir: string, keep: Iterable<string | undefined>): void {
  const dir = join(stateDir, 'exits');
  const known = new Set([...keep].filter((p): p is string => !!p));
  let names: string[] = [];
  try { names = readdirSync(dir); } catch { return; }
  // A record's `<status>.tmp` is its waiter's write in progress (renamed into place next): not a leftover.
  for (const n of names) {
    const p = join(dir, n);
    if (!known.has(p) && !(n.endsWith('.tmp') && known.has(p.slice(0, -'.tmp'.length)))) rmSync(p, { force: true });
  }
}
