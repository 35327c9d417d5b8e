/**
 * Console control events for processes of a job container. A process in another session cannot get them from
 * GenerateConsoleCtrlEvent (which also knows only Ctrl-C and Ctrl-Break), so hcsshim's jobcontainers start a thread
 * in the target process at kernel32!CtrlRoutine with the event as its parameter: kernel32 is mapped at the same
 * address in every process of a boot, so our CtrlRoutine address is valid in theirs (not an official interface).
 * Shutdown sends CtrlShutdown to every process of the job this way.
 */
import type { ProcessSignalDoc } from '../../hcs/schema/index.js';
import { PlatformError, HRESULT } from '../../hresult.js';
import {
  type Bindings, type Pointer, isNull, win32Error, CTRL_EVENTS, PROCESS_ALL_ACCESS,
} from '../ffi/index.js';

let ctrlRoutine: Pointer | undefined;

function ctrlRoutineAddress(b: Bindings): Pointer {
  if (ctrlRoutine !== undefined && !isNull(ctrlRoutine)) return ctrlRoutine;
  const k32 = b.proc.GetModuleHandleW('kernel32.dll') as Pointer;
  const addr = isNull(k32) ? null : (b.proc.GetProcAddress(k32, 'CtrlRoutine') as Pointer);
  if (isNull(addr)) throw new PlatformError(HRESULT.E_NOTIMPL, 'SignalJobProcess', 'kernel32!CtrlRoutine is not available on this host; console control events cannot be delivered (stop terminates instead)');
  ctrlRoutine = addr;
  return addr;
}

/** Delivers `signal` to the process behind `h` (needs PROCESS_CREATE_THREAD and friends: all access). */
export function sendCtrl(b: Bindings, h: Pointer, signal: ProcessSignalDoc, pid: number): void {
  const event = CTRL_EVENTS[signal];
  if (event === undefined) throw new PlatformError(HRESULT.E_INVALIDARG, 'SignalJobProcess', `unknown signal ${String(signal)}`);
  const t = b.proc.CreateRemoteThread(h, null, 0, ctrlRoutineAddress(b), event, 0, null) as Pointer;
  if (isNull(t)) {
    const code = b.jobs.GetLastError() as number;
    if (code === 5) throw new PlatformError(HRESULT.HCS_E_PROCESS_ALREADY_STOPPED, 'SignalJobProcess', `process ${pid} has exited`);
    throw win32Error(code, 'CreateRemoteThread', `${signal} to process ${pid}`);
  }
  b.win32.CloseHandle(t);
}

/** CtrlShutdown to each pid; returns how many were signalled (a process that just exited is skipped). */
export function shutdownProcesses(b: Bindings, pids: readonly number[]): number {
  let sent = 0;
  for (const pid of pids) {
    const h = b.proc.OpenProcess(PROCESS_ALL_ACCESS, 0, pid >>> 0) as Pointer;
    if (isNull(h)) continue;
    try { sendCtrl(b, h, 'CtrlShutdown', pid); sent++; } catch { /* gone, or refuses threads: terminate follows */ } finally { b.win32.CloseHandle(h); }
  }
  return sent;
}
