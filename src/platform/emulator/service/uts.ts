/**
 * Hostname: when the service runs as root (and `unshare --uts` works) each started system gets a UTS namespace,
 * held by a `sleep` process created with `unshare --uts` that sets GuestOs.HostName; processes enter it with
 * `nsenter --uts=/proc/<holder>/ns/uts` (nsenter execs the program, so the pid is the program's).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { PlatformError, HRESULT } from '../../hresult.js';
import { readStat } from './procfs.js';
import type { SystemRecord } from './records.js';

let utsSupport: boolean | undefined;
export function utsSupported(): boolean {
  if (utsSupport === undefined) {
    utsSupport = process.getuid?.() === 0 && spawnSync('unshare', ['--uts', 'true'], { stdio: 'ignore' }).status === 0
      && spawnSync('nsenter', ['--version'], { stdio: 'ignore' }).status === 0;
  }
  return utsSupport;
}

export async function startHolder(s: SystemRecord): Promise<void> {
  const child = spawn('unshare', ['--uts', 'sh', '-c', 'hostname "$1" && exec sleep infinity', 'sh', s.hostName!],
    { detached: true, stdio: 'ignore' });
  child.unref();
  child.on('error', () => undefined);
  const pid = child.pid;
  if (!pid) throw new PlatformError(HRESULT.E_FAIL, 'HcsStartComputeSystem', 'cannot create the UTS namespace');
  const own = readlinkSync('/proc/self/ns/uts');
  const deadline = Date.now() + 3000;
  for (;;) {
    const st = readStat(pid);
    let ns = '';
    try { ns = readlinkSync(`/proc/${pid}/ns/uts`); } catch { /* not yet */ }
    if (st && st.comm === 'sleep' && ns && ns !== own) { s.holder = { pid, startTicks: st.starttime }; return; }
    if (!st || st.state === 'Z' || Date.now() > deadline) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      throw new PlatformError(HRESULT.E_FAIL, 'HcsStartComputeSystem', `cannot set hostname ${s.hostName}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

