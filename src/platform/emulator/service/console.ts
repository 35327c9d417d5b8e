/**
 * EmulateConsole in the emulator: a real pseudo-terminal per console process, through the small C helper of
 * console-helper.ts (built with the host C compiler — `cc`/`gcc` — once per helper version into
 * <stateDir>/bin, then reused). The helper execs the program, so the recorded pid stays the program's; it keeps
 * a relay that copies stdin into the terminal and the terminal output (stderr merged, as a Windows console does)
 * to the stdout pipe, and applies ConsoleSize requests written to its control pipe (fd 3) as TIOCSWINSZ, which
 * makes the kernel send SIGWINCH to the program (`stty size`, `tput cols` see the new size).
 */
import type { Writable } from 'node:stream';
import { PlatformError, HRESULT } from '../../hresult.js';
import { PTY_HELPER_SOURCE } from './console-helper.js';
import { buildHelper } from './c-helper.js';

/** Path of the compiled helper under <stateDir>/bin, building it on first use. */
export function ptyHelper(op: string, stateDir: string): Promise<string> {
  return buildHelper(stateDir, 'wincri-pty', PTY_HELPER_SOURCE).catch((e: Error) => {
    throw new PlatformError(HRESULT.E_NOTIMPL, op,
      `EmulateConsole needs the emulator's pty helper, which is built with a C compiler (install gcc): ${e.message}`);
  });
}

export interface ConsoleLaunch { file: string; args: string[] }

/** Wraps a planned launch so the program runs on a new pseudo-terminal of the given size ([height, width]). */
export function consoleLaunch(helper: string, plan: { file: string; args: string[]; argv0?: string }, size?: number[]): ConsoleLaunch {
  const rows = size && size[0]! > 0 ? size[0]! : 0;
  const cols = size && size[1]! > 0 ? size[1]! : 0;
  return { file: helper, args: [String(rows), String(cols), plan.argv0 ?? '', plan.file, ...plan.args] };
}

/** Options of the pty helper that make its relay spool the terminal's output and feed its input (console-helper.ts). */
export function ptySpoolArgs(fifos: { stdout?: string; stdin?: string }): string[] {
  return [...(fifos.stdout ? ['-o', fifos.stdout] : []), ...(fifos.stdin ? ['-i', fifos.stdin] : [])];
}

/** Sends a ConsoleSize to the helper of a console process (its control pipe). */
export function resizeConsole(control: Writable | undefined, height: number, width: number): boolean {
  if (!control || control.destroyed || control.writableEnded) return false;
  control.write(`${height} ${width}\n`);
  return true;
}
