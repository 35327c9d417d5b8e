/** SpecProcess → HCS ProcessParameters (as hcsshim internal/cmd fills them for Windows containers). */
import type { SpecProcess } from '../../spec.js';
import type { ProcessParametersDoc, SignalProcessOptionsDoc, ProcessModifyRequestDoc } from '../schema/index.js';
import { joinCommandLine } from './cmdline.js';
import { DocumentError } from './errors.js';

export interface ProcessIo { stdin: boolean; stdout: boolean; stderr: boolean }

/**
 * Builds the HcsCreateProcess document for a container's init process or an exec (they are the same).
 * - CommandLine: `commandLine` when given, else the args joined with Windows quoting.
 * - Environment: KEY=VALUE split at the first '='. Entries with an empty value (KEY= or a bare KEY) are
 *   dropped, as hcsshim does: Windows has no empty environment variables (setting one to "" deletes it).
 * - EmulateConsole = terminal; with a console there is no separate stderr, so no StdErr pipe is requested.
 * - ConsoleSize = [height, width] when the process has a terminal and a size.
 */
export function buildProcessParameters(proc: SpecProcess, io: ProcessIo): ProcessParametersDoc {
  const commandLine = proc.commandLine || joinCommandLine(proc.args);
  if (!commandLine) throw new DocumentError('process has neither args nor a command line');
  const doc: ProcessParametersDoc = { CommandLine: commandLine };
  if (proc.cwd) doc.WorkingDirectory = proc.cwd;
  if (proc.user?.username) doc.User = proc.user.username;

  const env: Record<string, string> = {};
  for (const e of proc.env) {
    const i = e.indexOf('=');
    if (i <= 0) continue; // no '=' (no value) or empty name
    const value = e.slice(i + 1);
    if (value === '') continue;
    env[e.slice(0, i)] = value;
  }
  if (Object.keys(env).length > 0) doc.Environment = env;

  if (proc.terminal) doc.EmulateConsole = true;
  if (io.stdin) doc.CreateStdInPipe = true;
  if (io.stdout) doc.CreateStdOutPipe = true;
  if (io.stderr && !proc.terminal) doc.CreateStdErrPipe = true;
  if (proc.terminal && proc.consoleSize) doc.ConsoleSize = [proc.consoleSize.height, proc.consoleSize.width];
  return doc;
}

/** Exec processes are created with the same document as init processes. */
export const buildExecProcessParameters = buildProcessParameters;

/** graceful → CtrlShutdown (what the shim sends for SIGTERM), interrupt → CtrlC. */
export function signalOptions(kind: 'graceful' | 'interrupt'): SignalProcessOptionsDoc {
  return { Signal: kind === 'graceful' ? 'CtrlShutdown' : 'CtrlC' };
}

/** HcsModifyProcess request resizing the pseudo console. */
export function consoleSizeRequest(height: number, width: number): ProcessModifyRequestDoc {
  return { Operation: 'ConsoleSize', ConsoleSize: { Height: height, Width: width } };
}

/** HcsModifyProcess request closing the process's stdin (EOF for the reader). */
export function closeStdinRequest(): ProcessModifyRequestDoc {
  return { Operation: 'CloseHandle', CloseHandle: { Handle: 'StdIn' } };
}
