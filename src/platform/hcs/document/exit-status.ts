/**
 * Exit documents the Windows bindings make where HCS hands none over: a ProcessExited or SystemExited event whose
 * document cannot be read, the service going away under a process (HcsEventServiceDisconnect), and a system a
 * properties query finds Stopped before its event came. A process's exit code is then 0xFFFFFFFF (a DWORD -1, as
 * GetExitCodeProcess of a lost process), its LastWaitResult the reason (a signed HRESULT, as HCS writes it).
 */
import { HRESULT } from '../../hresult.js';
import type { ProcessStatusDoc, PropertiesDoc, SystemExitStatusDoc } from '../schema/index.js';

/** Process `pid` ended without an exit document: `hr` says why (E_FAIL: unreadable; HCS_E_SERVICE_DISCONNECT). */
export function lostProcessExit(pid: number, hr: number): ProcessStatusDoc {
  return { ProcessId: pid, Exited: true, ExitCode: 0xffffffff, LastWaitResult: hr | 0 };
}

/** A SystemExited event whose document cannot be read. */
export function unreadableSystemExit(): SystemExitStatusDoc {
  return { Status: HRESULT.E_FAIL | 0 };
}

/** A system found Stopped by a properties query: the exit its event would have reported. */
export function systemExitOf(p: PropertiesDoc): SystemExitStatusDoc {
  return { Status: 0, ExitType: p.ExitType ?? 'None' } as SystemExitStatusDoc;
}
