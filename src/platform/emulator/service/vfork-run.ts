/**
 * A short command run to its end with its output captured (what execFile does), started with posix_spawn
 * (vfork-spawn.ts): the emulator's `ip` / `nft` steps. Null where posix_spawn is not available or the program is
 * not found on the service's PATH: the caller keeps execFile.
 */
import type { Readable } from 'node:stream';
import { vforkSpawn } from './vfork-spawn.js';
import { findProgram } from './program-path.js';

export interface RunResult { code: number; stdout: string; stderr: string }

export function vforkRun(cmd: string, args: readonly string[], input?: string): Promise<RunResult> | null {
  const file = findProgram(cmd);
  if (!file) return null;
  const child = vforkSpawn(file, args, { argv0: cmd, stdio: [input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  if (!child) return null;
  const text = (r: Readable | null) => new Promise<string>((res) => {
    if (!r) { res(''); return; }
    let s = '';
    r.setEncoding('utf8').on('data', (d: string) => { s += d; }).on('error', () => res(s)).once('close', () => res(s));
  });
  const exited = new Promise<number>((res) => {
    child.once('error', (e: Error) => res((e as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 126));
    child.once('exit', (code: number | null) => res(code ?? 1));
  });
  if (child.stdin) { child.stdin.on('error', () => undefined); child.stdin.end(input); }
  return Promise.all([exited, text(child.stdout), text(child.stderr)]).then(([code, stdout, stderr]) => ({ code, stdout, stderr }));
}
