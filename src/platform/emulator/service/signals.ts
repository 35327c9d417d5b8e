/** Console control signals as Linux signals, exit statuses, and signalling a process group. */
import { constants as osConstants } from 'node:os';
import { readStat } from './procfs.js';

export const SIGNALS: Record<string, NodeJS.Signals> = {
  CtrlC: 'SIGINT', CtrlBreak: 'SIGQUIT', CtrlClose: 'SIGTERM', CtrlLogOff: 'SIGTERM', CtrlShutdown: 'SIGTERM',
};

export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal ? (osConstants.signals as Record<string, number>)[signal] : undefined;
  return 128 + (n ?? 0);
}

export function killGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // A process spawned a moment ago may not have called setsid yet, so its group does not exist: signal the
    // leader itself (delivered when it unblocks signals before exec) — only if it is still our own child, so a
    // recycled pid is never hit.
    if (readStat(pgid)?.ppid === process.pid) {
      try { process.kill(pgid, sig); } catch { /* gone */ }
    }
  }
}


/**
 * Whether any process (a zombie too) is still in one of the process groups — one kill(-g, 0) per group, no /proc
 * scan; false means that a scan would find none in them either.
 */
export function anyInGroups(pgids: Iterable<number>): boolean {
  for (const g of pgids) {
    try { process.kill(-g, 0); return true; } catch (e) { if ((e as NodeJS.ErrnoException).code === 'EPERM') return true; }
  }
  return false;
}
