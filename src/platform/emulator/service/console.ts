/**
 * EmulateConsole in the emulator: a real pseudo-terminal per console process, through the small C helper of
 * console-helper.ts (built with the host C compiler — `cc`/`gcc` — once per helper version into
 * <stateDir>/bin, then reused). The helper execs the program, so the recorded pid stays the program's; it keeps
 * a relay that copies stdin into the terminal and the terminal output (stderr merged, as a Windows console does)
 * to the stdout pipe, and applies ConsoleSize requests written to its control pipe (fd 3) as TIOCSWINSZ, which
 * makes the kernel send SIGWINCH to the program (`stty size`, `tput cols` see the new size).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { PlatformError, HRESULT } from '../../hresult.js';
import { PTY_HELPER_SOURCE } from './console-helper.js';

const HELPER_HASH = createHash('sha256').update(PTY_HELPER_SOURCE).digest('hex').slice(0, 12);
const building = new Map<string, Promise<string>>();

function compile(cc: string, src: string, out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cc, ['-O2', '-o', out, src], { timeout: 60_000 }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${cc}: ${(stderr || err.message).trim()}`)); else resolve();
    });
  });
}

/** Path of the compiled helper under <stateDir>/bin, building it on first use. */
export function ptyHelper(op: string, stateDir: string): Promise<string> {
  const dir = join(stateDir, 'bin');
  const bin = join(dir, `wincri-pty-${HELPER_HASH}`);
  if (existsSync(bin)) return Promise.resolve(bin);
  let p = building.get(bin);
  if (p) return p;
  p = (async () => {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const src = join(dir, `wincri-pty-${HELPER_HASH}.${process.pid}.c`);
    const tmp = `${bin}.${process.pid}.tmp`;
    writeFileSync(src, PTY_HELPER_SOURCE);
    const errors: string[] = [];
    try {
      for (const cc of [process.env.CC, 'cc', 'gcc'].filter((x): x is string => !!x)) {
        try {
          await compile(cc, src, tmp);
          renameSync(tmp, bin);
          return bin;
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
    } finally {
      rmSync(src, { force: true });
      rmSync(tmp, { force: true });
    }
    throw new PlatformError(HRESULT.E_NOTIMPL, op,
      `EmulateConsole needs the emulator's pty helper, which is built with a C compiler (install gcc): ${errors.join('; ')}`);
  })();
  building.set(bin, p);
  p.then(() => building.delete(bin), () => building.delete(bin));
  return p;
}

export interface ConsoleLaunch { file: string; args: string[] }

/** Wraps a planned launch so the program runs on a new pseudo-terminal of the given size ([height, width]). */
export function consoleLaunch(helper: string, plan: { file: string; args: string[]; argv0?: string }, size?: number[]): ConsoleLaunch {
  const rows = size && size[0]! > 0 ? size[0]! : 0;
  const cols = size && size[1]! > 0 ? size[1]! : 0;
  return { file: helper, args: [String(rows), String(cols), plan.argv0 ?? '', plan.file, ...plan.args] };
}

/** Sends a ConsoleSize to the helper of a console process (its control pipe). */
export function resizeConsole(control: Writable | undefined, height: number, width: number): boolean {
  if (!control || control.destroyed || control.writableEnded) return false;
  control.write(`${height} ${width}\n`);
  return true;
}
