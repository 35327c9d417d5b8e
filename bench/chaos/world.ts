/**
 * The system under chaos: the real daemon (with its IO keeper and emulator service) started like the bench does
 * (real Linux pod networking through our `nat` CNI plugin), the pids of its three processes, a /proc scan for
 * duplicates, and kill -9 + recovery of any one of them.
 */
import { join } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';
import { startWincri } from '../targets/wincri.js';
import { pidFile } from '../targets/pidfile.js';
import { call } from '../../test/e2e/harness.js';
import { markRun, rememberKeeper } from './strays.js';
import { readStat } from '../../src/platform/emulator/service/procfs.js';

export type Victim = 'daemon' | 'keeper' | 'emulator';

export type World = Awaited<ReturnType<typeof startWincri>>;
// Use w.daemon.runtime, never w.runtime: the daemon restart replaces its clients.

/** The world, with this run's mark in the environment its processes inherit (strays.ts). */
export const startWorld = (): Promise<World> => { markRun(); return startWincri(); };

/** Live pid recorded in a pid file, or undefined. */
function livePid(path: string): number | undefined {
  const pid = pidFile(path);
  if (!pid) return undefined;
  try { process.kill(pid, 0); return pid; } catch { return undefined; }
}

export function pidOf(w: World, v: Victim): number | undefined {
  const root = w.daemon.root;
  if (v === 'daemon') return w.daemon.proc?.exitCode === null ? w.daemon.proc.pid : undefined;
  return livePid(v === 'keeper' ? join(root, 'io', 'keeper.pid') : join(root, 'emulator', 'service.pid'));
}

/** Every process whose command line contains all of `needles` (NUL-separated argv joined by spaces), with its parent. */
export function processesWith(...needles: string[]): { pid: number; ppid: number; cmd: string }[] {
  const out: { pid: number; ppid: number; cmd: string }[] = [];
  for (const n of readdirSync('/proc')) {
    if (!/^\d+$/.test(n)) continue;
    let cmd: string;
    try { cmd = readFileSync(`/proc/${n}/cmdline`, 'utf8').split('\0').join(' '); } catch { continue; }
    if (!needles.every((x) => cmd.includes(x))) continue;
    const st = readStat(Number(n));
    if (st) out.push({ pid: Number(n), ppid: st.ppid, cmd });
  }
  return out;
}

/** How many daemon, keeper and emulator processes serve this root (each must be exactly one). */
export function helperCounts(w: World): Record<Victim, number> {
  const root = w.daemon.root;
  return {
    daemon: processesWith(' serve ', `--root ${root} `).length,
    keeper: processesWith(' io-keeper ', join(root, 'io', 'config.yaml')).length,
    emulator: processesWith('--state ', join(root, 'emulator')).filter((p) => p.cmd.includes('service/main.js')).length,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** kill -9 of one process; returns the pid killed. */
export async function kill9(w: World, v: Victim): Promise<number> {
  const pid = pidOf(w, v);
  if (!pid) throw new Error(`no live ${v} process to kill`);
  if (v === 'keeper') rememberKeeper(w, pid);
  if (v === 'daemon') { await w.daemon.kill9(); return pid; }
  process.kill(pid, 'SIGKILL');
  await until(`${v} pid ${pid} to die`, 10_000, () => { try { process.kill(pid, 0); return undefined; } catch { return true; } });
  return pid;
}

/**
 * After a kill: the daemon is started again by us (as a service manager would); the keeper and the emulator
 * service are brought back by the daemon itself (it respawns them on reconnect). Waits until the runtime answers
 * and the victim runs again under a new pid.
 */
export async function recover(w: World, v: Victim, killed: number): Promise<void> {
  if (v === 'daemon') await w.daemon.start(['--log-level', 'info']);
  const deadline = 60_000;
  await until(`the runtime to answer after the ${v} kill`, deadline, async () => {
    try { await call(w.daemon.runtime, 'ListContainers', {}, 5000); await call(w.daemon.runtime, 'ListPodSandbox', {}, 5000); return true; } catch { return undefined; }
  });
  // The keeper / emulator come back when something talks to them; a pod listing does not, a Version-free
  // probe of a container status does for the keeper only lazily: poll until the pid file names a new live pid.
  await until(`a new ${v} process`, deadline, async () => {
    const p = pidOf(w, v);
    if (p && p !== killed) return true;
    try { await call(w.daemon.runtime, 'ListContainerStats', {}, 5000); } catch { /* still coming back */ }
    return undefined;
  });
}
