/**
 * A hosted system (Hyper-V isolation, hosting.ts) while its utility VM is paused. Its cgroup nests in the VM's
 * (isolate.ts), so the VM's pause freezes it too (a VM paused by signals, without a freezer, leaves it running,
 * and it shows Running); as in HCS, where a hosted container runs inside the VM's guest and
 * its state follows the VM, it then shows Paused (its own record keeps what it was: Running, or Paused by its own
 * pause) and nothing that needs its processes to run can be done: a process cannot start in a frozen guest, and it
 * can be neither paused nor resumed on its own (HCS_E_INVALID_STATE, naming the VM to resume). Terminate still ends
 * it: its processes get their SIGKILL frozen, and on a v1 freezer — where a task frozen by a parent cgroup dies only
 * once thawed, and thawing its own cgroup does not thaw it — they are moved out of the VM's frozen cgroup, beside
 * it, which thaws them into their death (cgroup-freeze.ts). A v2 frozen task dies of SIGKILL where it is.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PlatformError, HRESULT } from '../../hresult.js';
import { freezerOf, freezerPids, readFreezeState } from './cgroup-freeze.js';
import { systemFreezer } from './system-pause.js';
import type { SystemRecord } from './records.js';

/**
 * The utility VM hosting `s`, when it is paused by its freezer (and `s` has not stopped). A VM paused by signals
 * (no freezer, or one that refused the write: system-pause.ts) stops only its own process groups: what it hosts runs.
 */
export function pausedVm(systems: ReadonlyMap<string, SystemRecord>, s: SystemRecord): SystemRecord | undefined {
  const vm = s.document.HostingSystemId ? systems.get(s.document.HostingSystemId) : undefined;
  if (vm?.state !== 'Paused' || (s.state !== 'Running' && s.state !== 'Paused')) return undefined;
  const f = systemFreezer(vm);
  const st = f ? readFreezeState(f) : undefined;
  return st === 'frozen' || st === 'freezing' ? vm : undefined;
}

/** The state `s` shows in its properties: Paused while its VM is. */
export function shownState(systems: ReadonlyMap<string, SystemRecord>, s: SystemRecord): SystemRecord['state'] {
  return pausedVm(systems, s) ? 'Paused' : s.state;
}

/** Throws HCS_E_INVALID_STATE when `op` cannot run on `s` because its utility VM is paused. */
export function checkVmRuns(op: string, systems: ReadonlyMap<string, SystemRecord>, s: SystemRecord): void {
  const vm = pausedVm(systems, s);
  if (vm) throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `compute system ${s.id} is Paused: its utility VM ${vm.id} is paused (resume the VM first)`);
}

/**
 * After their SIGKILL (killFrozenSystem): the processes of a hosted system still frozen by its VM's v1 cgroup are
 * moved out of it, beside the VM's cgroup, where they are thawed and die. No-op unless that is the case.
 */
export function releaseFromFrozenVm(s: SystemRecord, log: (m: string) => void): void {
  const f = s.document.HostingSystemId ? freezerOf(s.isolation?.cgroup) : undefined;
  if (!f || f.version !== 1 || readFreezeState(f) === 'thawed') return;
  const beside = join(dirname(dirname(f.dir)), 'cgroup.procs');
  for (const pid of freezerPids(f)) {
    try { writeFileSync(beside, String(pid)); } catch (e) { log(`terminate of ${s.id}: cannot move process ${pid} out of its VM's frozen cgroup: ${(e as Error).message}`); }
  }
}
