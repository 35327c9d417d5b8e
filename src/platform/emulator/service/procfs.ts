/** Linux /proc readers used for process identity (re-adoption), statistics and process lists. */
import { readFileSync, readdirSync } from 'node:fs';

/** USER_HZ: /proc reports CPU times in clock ticks of 1/100 s on every Linux architecture we run on. */
const TICKS_PER_SEC = 100;
/** One clock tick in HCS units of 100 ns. */
export const TICK_100NS = 10_000_000 / TICKS_PER_SEC;

export interface ProcStat {
  pid: number; comm: string; state: string; ppid: number; pgrp: number; session: number;
  utime: number; stime: number; starttime: number; vsize: number; rssPages: number;
  /** The kernel's task flags (PF_*). */
  flags: number;
}

/** PF_EXITING: the task has begun to exit (set before a namespace's PID 1 takes the namespace's processes down). */
export const PF_EXITING = 0x4;

export function readStat(pid: number): ProcStat | undefined {
  let s: string;
  try { s = readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return undefined; }
  const open = s.indexOf('(');
  const close = s.lastIndexOf(')');
  if (open < 0 || close < 0) return undefined;
  const f = s.slice(close + 2).split(' ');
  // f[0] is field 3 (state); field n is f[n-3].
  return {
    pid, comm: s.slice(open + 1, close), state: f[0]!, ppid: +f[1]!, pgrp: +f[2]!, session: +f[3]!, flags: +f[6]!,
    utime: +f[11]!, stime: +f[12]!, starttime: +f[19]!, vsize: +f[20]!, rssPages: +f[21]!,
  };
}

/** A process that exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const st = readStat(pid);
  return st !== undefined && st.state !== 'Z' && st.state !== 'X';
}

/** Whether the recorded process (pid and start time) still runs. */
export function sameProcess(r: { pid: number; startTicks: number }): boolean {
  const st = readStat(r.pid);
  return st !== undefined && st.starttime === r.startTicks && st.state !== 'Z' && st.state !== 'X';
}

/** A process's argv from /proc/<pid>/cmdline (undefined when it is gone or unreadable). */
export function readArgv(pid: number): string[] | undefined {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'); } catch { return undefined; }
}

/** A process's environment from /proc/<pid>/environ (undefined when it is gone or not readable: another user's). */
export function readEnviron(pid: number): Map<string, string> | undefined {
  let text: string;
  try { text = readFileSync(`/proc/${pid}/environ`, 'utf8'); } catch { return undefined; }
  const env = new Map<string, string>();
  for (const kv of text.split('\0')) {
    const at = kv.indexOf('=');
    if (at > 0) env.set(kv.slice(0, at), kv.slice(at + 1));
  }
  return env;
}

export function allPids(): number[] {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
}

let table: { at: number; list: ProcStat[] } | undefined;

/**
 * All live (non-zombie) processes on the host. Reading /proc costs one file per process, so a scan is shared by
 * every caller within `maxAgeMs` (many systems polling at once would otherwise scan the host once each).
 */
export function processTable(maxAgeMs = 50): ProcStat[] {
  const now = Date.now();
  if (table && now - table.at <= maxAgeMs) return table.list;
  const list: ProcStat[] = [];
  for (const pid of allPids()) {
    const st = readStat(pid);
    if (st && st.state !== 'Z' && st.state !== 'X') list.push(st);
  }
  table = { at: Date.now(), list };
  return list;
}

/** Live (non-zombie) processes whose process group is one of `pgids`. */
export function processesInGroups(pgids: Set<number>, maxAgeMs = 50): ProcStat[] {
  if (pgids.size === 0) return [];
  return processTable(maxAgeMs).filter((st) => pgids.has(st.pgrp));
}

let bootTimeSec: number | undefined;
export function bootTime(): number {
  if (bootTimeSec === undefined) {
    const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    bootTimeSec = m ? +m[1]! : 0;
  }
  return bootTimeSec;
}

/** Wall-clock start time of a process (ms since epoch). */
export function startTimeMs(st: ProcStat): number {
  return (bootTime() + st.starttime / TICKS_PER_SEC) * 1000;
}

export interface ProcStatus { vmRssBytes: number; vmHwmBytes: number; vmSizeBytes: number; rssAnonBytes: number; rssSharedBytes: number; vmPeakBytes: number }
export function readStatus(pid: number): ProcStatus | undefined {
  let s: string;
  try { s = readFileSync(`/proc/${pid}/status`, 'utf8'); } catch { return undefined; }
  const kb = (k: string): number => { const m = new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s); return m ? +m[1]! * 1024 : 0; };
  return {
    vmRssBytes: kb('VmRSS'), vmHwmBytes: kb('VmHWM'), vmSizeBytes: kb('VmSize'), vmPeakBytes: kb('VmPeak'),
    rssAnonBytes: kb('RssAnon'), rssSharedBytes: kb('RssFile') + kb('RssShmem'),
  };
}

export interface ProcIo { readOps: number; writeOps: number; readBytes: number; writeBytes: number }
export function readIo(pid: number): ProcIo | undefined {
  let s: string;
  try { s = readFileSync(`/proc/${pid}/io`, 'utf8'); } catch { return undefined; }
  const v = (k: string): number => { const m = new RegExp(`^${k}: (\\d+)`, 'm').exec(s); return m ? +m[1]! : 0; };
  return { readOps: v('syscr'), writeOps: v('syscw'), readBytes: v('rchar'), writeBytes: v('wchar') };
}
