/**
 * A job container process with a TTY (EmulateConsole), as hcsshim's jobcontainers start one: a pseudo console
 * (ConPTY, default 80×25 or the requested ConsoleSize [height, width]) over two pipes, handed to the process through
 * a STARTUPINFOEXW attribute list instead of std handles; the rest is ./spawn.ts's order (suspended, assigned to the
 * job, resumed). Our ends are the console's input (stdin) and output (stdout; stderr is merged into it). The
 * console is closed when the process exits, which is what ends its output.
 */
import type { ProcessParametersDoc } from '../../hcs/schema/index.js';
import {
  type Bindings, type Pointer, isNull, failed, win32Error, encodeEnvironmentBlock, startupInfoEx, processInformationOf,
  PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE, EXTENDED_STARTUPINFO_PRESENT, CREATE_SUSPENDED, CREATE_UNICODE_ENVIRONMENT,
  CREATE_BREAKAWAY_FROM_JOB,
} from '../ffi/index.js';
import { PlatformError } from '../../hresult.js';
import { createPipes, closePipes, streamsOf, type Pipes } from './stdio.js';
import { CREATE_OP, type Spawned } from './spawn.js';
import type { JobLaunch } from './launch.js';

const FLAGS = CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT | CREATE_BREAKAWAY_FROM_JOB | EXTENDED_STARTUPINFO_PRESENT;

export function consoleSize(p: ProcessParametersDoc): { X: number; Y: number } {
  const [h, w] = p.ConsoleSize ?? [];
  return { X: w || 80, Y: h || 25 };
}

function attributeList(b: Bindings, hpc: Pointer): Buffer {
  const size = [0];
  b.console.InitializeProcThreadAttributeList(null, 1, 0, size);
  const list = Buffer.alloc(Number(size[0]));
  if (!b.console.InitializeProcThreadAttributeList(list, 1, 0, size)) throw win32Error(b.jobs.GetLastError() as number, 'InitializeProcThreadAttributeList');
  if (!b.console.UpdateProcThreadAttribute(list, 0, PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE, hpc, 8, null, null)) {
    const e = win32Error(b.jobs.GetLastError() as number, 'UpdateProcThreadAttribute');
    b.console.DeleteProcThreadAttributeList(list);
    throw e;
  }
  return list;
}

export function spawnWithConsole(b: Bindings, job: Pointer, token: Pointer, launch: JobLaunch, size: { X: number; Y: number }): Spawned & { console: Pointer } {
  // Pipe 0: console input (we write, ConPTY reads); pipe 1: console output. ConPTY keeps its own copies.
  const pipes: Pipes = createPipes(b, { stdin: true, stdout: true, stderr: false });
  const out: Pointer[] = [null];
  const hr = b.console.CreatePseudoConsole(size, pipes.child[0], pipes.child[1], 0, out) as number;
  if (failed(hr)) { closePipes(b, pipes); throw new PlatformError(hr >>> 0, 'CreatePseudoConsole'); }
  const hpc = out[0];
  const list = attributeList(b, hpc);
  const pi = Buffer.alloc(24);
  const ok = b.console.CreateProcessAsUserExW(token, null, Buffer.from(`${launch.commandLine}\0`, 'utf16le'), null, null, 0, FLAGS,
    encodeEnvironmentBlock(launch.environment), launch.workingDirectory, startupInfoEx(list), pi);
  const err = ok ? 0 : (b.jobs.GetLastError() as number);
  b.console.DeleteProcThreadAttributeList(list);
  const fail = (e: Error): never => { b.console.ClosePseudoConsole(hpc); closePipes(b, pipes); throw e; };
  if (!ok) fail(win32Error(err, CREATE_OP, `${launch.commandLine} in ${launch.workingDirectory}`));
  const info = processInformationOf(pi);
  const kill = (e: Error): never => { b.proc.TerminateProcess(info.hProcess, 1); b.win32.CloseHandle(info.hThread); b.win32.CloseHandle(info.hProcess); return fail(e); };
  if (!b.jobs.AssignProcessToJobObject(job, info.hProcess)) kill(win32Error(b.jobs.GetLastError() as number, 'AssignProcessToJobObject'));
  if ((b.proc.ResumeThread(info.hThread) as number) === 0xffffffff) kill(win32Error(b.jobs.GetLastError() as number, 'ResumeThread'));
  if (!isNull(info.hThread)) b.win32.CloseHandle(info.hThread);
  b.win32.CloseHandle(pipes.child[0]);
  b.win32.CloseHandle(pipes.child[1]);
  pipes.child = [null, null, null];
  return { handle: info.hProcess, pid: info.dwProcessId, stdio: streamsOf(b, pipes), console: hpc };
}
