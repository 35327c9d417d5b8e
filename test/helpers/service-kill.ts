/** Killing the emulator service under a running workload and auditing numbered lines (emulator-kill tests). */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './wait-for.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How the emulator-kill tests poll (waitFor options): every 10 ms, for a minute unless told. */
export const killPoll = (timeoutMs = 60_000) => ({ timeoutMs, intervalMs: 10 });

export const logSize = (p: string) => { try { return statSync(p).size; } catch { return 0; } };
export const servicePid = (emuState: string) => { try { return Number(readFileSync(join(emuState, 'service.pid'), 'utf8').trim()); } catch { return 0; } };
export const alive = (pid: number) => { if (!(pid > 0)) return false; try { process.kill(pid, 0); return true; } catch { return false; } };

/** SIGKILLs the running service and waits for it to die; returns its pid. */
export async function killService(emuState: string): Promise<number> {
  const pid = servicePid(emuState);
  if (!alive(pid)) throw new Error('the service does not run');
  process.kill(pid, 'SIGKILL');
  await waitFor('the service to die', () => !alive(pid), killPoll());
  return pid;
}

/** Waits for a service other than `old` (a client's reconnect starts one). */
export async function newService(emuState: string, old: number): Promise<void> {
  await waitFor('a new service', () => { const p = servicePid(emuState); return p !== old && alive(p); }, killPoll());
}

/**
 * How a stream's numbered lines (1..n) came through: lines missing, lines repeated or out of order, and damaged
 * lines (two pieces joined where bytes were lost in between: a line that its successor does not follow by one).
 */
export function audit(got: string[], n: number): { missing: number; disorder: number; damaged: number } {
  let next = 1, missing = 0, disorder = 0, damaged = 0;
  for (const [i, l] of got.entries()) {
    const v = Number(l);
    if (!/^[1-9][0-9]*$/.test(l) || v > n || (i + 1 < got.length && Number(got[i + 1]) !== v + 1)) { damaged++; continue; }
    if (v < next) { disorder++; continue; }
    missing += v - next;
    next = v + 1;
  }
  return { missing: missing + (n + 1 - next), disorder, damaged };
}
