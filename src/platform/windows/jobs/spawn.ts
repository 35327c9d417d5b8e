/**
 * Starting a process in a job container (hcsshim jobcontainers CreateProcess + internal/exec): pipes, then
 * CreateProcessAsUserW with the container user's token, suspended, with the environment block and working
 * directory, breaking away from any job the daemon itself runs in; then AssignProcessToJobObject, and only then
 * ResumeThread, so not one instruction of the program runs outside the job (limits, accounting, termination).
 */
import type { ProcessStdio } from '../../types.js';
import {
  type Bindings, type Pointer, type ProcessInformationOut, isNull, win32Error, encodeEnvironmentBlock,
  CREATE_SUSPENDED, CREATE_UNICODE_ENVIRONMENT, CREATE_BREAKAWAY_FROM_JOB, CREATE_NO_WINDOW, STARTF_USESTDHANDLES,
} from '../ffi/index.js';
import { createPipes, closeChildEnds, closePipes, streamsOf, type Want } from './stdio.js';
import type { JobLaunch } from './launch.js';

/** Ends in "CreateProcess": the CRI maps a missing program or working directory to FailedPrecondition with a hint. */
export const CREATE_OP = 'JobCreateProcess';
const FLAGS = CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT | CREATE_BREAKAWAY_FROM_JOB | CREATE_NO_WINDOW;

export interface Spawned { handle: Pointer; pid: number; stdio: ProcessStdio }

export function spawnInJob(b: Bindings, job: Pointer, token: Pointer, launch: JobLaunch, want: Want): Spawned {
  const pipes = createPipes(b, want);
  const pi = {} as ProcessInformationOut;
  const si = {
    cb: 104, lpReserved: null, lpDesktop: null, lpTitle: null, dwX: 0, dwY: 0, dwXSize: 0, dwYSize: 0, dwXCountChars: 0,
    dwYCountChars: 0, dwFillAttribute: 0, dwFlags: STARTF_USESTDHANDLES, wShowWindow: 0, cbReserved2: 0, lpReserved2: null,
    hStdInput: pipes.child[0], hStdOutput: pipes.child[1], hStdError: pipes.child[2],
  };
  const cmd = Buffer.from(`${launch.commandLine}\0`, 'utf16le');
  const ok = b.proc.CreateProcessAsUserW(token, null, cmd, null, null, 1, FLAGS, encodeEnvironmentBlock(launch.environment),
    launch.workingDirectory, si, pi);
  if (!ok) {
    const err = win32Error(b.jobs.GetLastError() as number, CREATE_OP, `${launch.commandLine} in ${launch.workingDirectory}`);
    closePipes(b, pipes);
    throw err;
  }
  const fail = (e: Error): never => {
    b.proc.TerminateProcess(pi.hProcess, 1);
    b.win32.CloseHandle(pi.hThread);
    b.win32.CloseHandle(pi.hProcess);
    closePipes(b, pipes);
    throw e;
  };
  if (!b.jobs.AssignProcessToJobObject(job, pi.hProcess)) fail(win32Error(b.jobs.GetLastError() as number, 'AssignProcessToJobObject'));
  if ((b.proc.ResumeThread(pi.hThread) as number) === 0xffffffff) fail(win32Error(b.jobs.GetLastError() as number, 'ResumeThread'));
  if (!isNull(pi.hThread)) b.win32.CloseHandle(pi.hThread);
  closeChildEnds(b, pipes);
  return { handle: pi.hProcess, pid: pi.dwProcessId, stdio: streamsOf(b, pipes) };
}
