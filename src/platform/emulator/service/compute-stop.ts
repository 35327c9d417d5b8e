/**
 * Stopping compute systems: graceful shutdown (SIGTERM to the system's process groups, once however often it is
 * asked; stopped once they are gone), terminate (SIGKILL, ForcedExit), the Stopped transition and waiters for it.
 */
import { PlatformError, HRESULT } from '../../hresult.js';
import { type SystemExitStatusDoc, type ExitTypeDoc } from '../../hcs/schema/index.js';
import { isAlive, processesInGroups } from './procfs.js';
import type { SystemRecord } from './records.js';
import { killGroup, anyInGroups } from './signals.js';
import { endIsolation, endHolder, contWrappers } from './isolate.js';
import { killFrozenSystem, resumeProcesses } from './system-pause.js';
import { releaseFromFrozenVm } from './hosted-pause.js';
import { endJobCgroup } from './job-limits.js';
import { hostedOf } from './hosting.js';

import { ComputeBase } from './compute-base.js';
import { procKey } from './process-forget.js';
import type { SpawnedChild } from './vfork-spawn.js';

/** Resolves after `ms`, or sooner once every one of `children` that is still running has exited ('exit' ran). */
function childrenExited(children: SpawnedChild[], ms: number): Promise<void> {
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  if (!running.length) return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  return new Promise((resolve) => {
    let left = running.length;
    const done = () => { clearTimeout(timer); for (const c of running) c.off('exit', one); resolve(); };
    const one = () => { if (--left === 0) done(); };
    const timer = setTimeout(done, Math.max(0, ms));
    for (const c of running) c.once('exit', one);
  });
}

export abstract class ComputeStopping extends ComputeBase {
  /** Systems whose terminate is under way (their state turns Stopped at its end). */
  private readonly terminating = new Set<string>();

  /**
   * True once a system is being stopped (terminate or shutdown began) or is stopped: a process whose creation
   * completes now would outlive the kill of the system's processes (it was in none of the groups signalled), so
   * its creation fails and the process is ended (compute-processes.ts).
   */
  protected stoppingOrStopped(s: SystemRecord): boolean {
    return s.state === 'Stopped' || s.shuttingDown === true || this.terminating.has(s.id);
  }

  async shutdown(id: unknown): Promise<void> {
    const op = 'HcsShutDownComputeSystem';
    const s = this.sys(op, id);
    if (s.state === 'Stopped') throw new PlatformError(HRESULT.HCS_E_SYSTEM_ALREADY_STOPPED, op, `compute system ${s.id} is stopped`);
    if (s.state === 'Created') { await this.stopped(s, 'GracefulExit'); return; }
    const wasPaused = s.state === 'Paused';
    // A shutdown under way has signalled already: another (the IO keeper's, then the daemon's) sends no second
    // SIGTERM, which programs that trap it take as "quit now". It only continues a system paused since.
    const again = s.shuttingDown === true;
    s.shuttingDown = true;
    // A utility VM shuts down what it hosts first; it stops once they have stopped (watchShutdown).
    for (const h of hostedOf(this.systems.values(), s)) await this.shutdown(h.id).catch(() => undefined);
    const groups = this.pgids(s);
    if (!again) for (const g of groups) killGroup(g, 'SIGTERM');
    // A paused system runs again to handle it: thawed, or its groups continued (system-pause.ts).
    if (wasPaused) { resumeProcesses(s, groups); s.state = 'Running'; }
    await this.save();
    this.watchShutdown(s);
  }

  protected watchShutdown(s: SystemRecord): void {
    if (this.shutdownPolls.has(s.id)) return;
    const check = () => {
      if (s.state === 'Stopped') { clearInterval(t); this.shutdownPolls.delete(s.id); return; }
      if (processesInGroups(this.pgids(s)).length === 0 && s.processes.every((p) => p.exited || !isAlive(p.pid))
        && hostedOf(this.systems.values(), s).length === 0) {
        clearInterval(t);
        this.shutdownPolls.delete(s.id);
        void this.stopped(s, 'GracefulExit');
      }
    };
    const t = setInterval(check, 50);
    this.shutdownPolls.set(s.id, t);
    check();
  }

  /** Forceful: SIGKILL to every process group; resolves once the system is stopped (ForcedExit). */
  async terminate(id: unknown): Promise<void> {
    const op = 'HcsTerminateComputeSystem';
    const s = this.sys(op, id);
    if (s.state === 'Stopped') throw new PlatformError(HRESULT.HCS_E_SYSTEM_ALREADY_STOPPED, op, `compute system ${s.id} is stopped`);
    this.terminating.add(s.id);
    try {
      await this.killAll(s);
      await this.stopped(s, 'ForcedExit');
    } finally {
      this.terminating.delete(s.id);
    }
  }

  protected async killAll(s: SystemRecord): Promise<void> {
    // A frozen (paused) system's processes are killed frozen, then thawed: a frozen v1 task dies only once thawed.
    killFrozenSystem(s, this.log);
    releaseFromFrozenVm(s, this.log); // a hosted system frozen by its paused VM's v1 cgroup (hosted-pause.ts)
    const groups = this.pgids(s);
    const deadline = Date.now() + 5000;
    // Killed processes are gone within a few milliseconds: look again soon, then less often (1, 2, 4, 8, 10 … ms).
    for (let wait = 1; ; wait = Math.min(10, wait * 2)) {
      const sentAt = Date.now();
      for (const g of groups) { killGroup(g, 'SIGKILL'); killGroup(g, 'SIGCONT'); }
      contWrappers(s);
      // Let child 'exit' events run before looking again: the next look comes after `wait`, or as soon as every
      // child of the system has exited (a wrapper exits once its program is gone; on a busy host the kill and the
      // reaps take longer than the first polls). The scan may be shared with other systems' polls, but only one
      // taken after these signals counts.
      await childrenExited(this.unreapedChildren(s), wait);
      // A /proc scan (to tell zombies apart) only while a group still has any process at all.
      const left = anyInGroups(groups) ? processesInGroups(groups, Date.now() - sentAt - 1).length : 0;
      const unreaped = this.unreapedChildren(s);
      if ((left === 0 && unreaped.length === 0) || Date.now() > deadline) break;
      // The groups are empty: what is left is the wrappers reporting their programs' exits. Their 'exit' events
      // end the wait, not the next poll.
      if (left === 0) { await childrenExited(unreaped, deadline - Date.now()); wait = 0.5; }
    }
  }

  /** Children of this service (the processes or their wrappers) whose 'exit' event has not run yet. */
  private unreapedChildren(s: SystemRecord): SpawnedChild[] {
    const out: SpawnedChild[] = [];
    for (const p of s.processes) {
      const child = p.exited ? undefined : this.live.get(procKey(s.id, p.pid))?.child;
      if (child) out.push(child);
    }
    return out;
  }

  protected async stopped(s: SystemRecord, exitType: ExitTypeDoc): Promise<void> {
    if (s.state === 'Stopped') return;
    // A paused system stopped without a terminate (a utility VM whose process died) is killed and thawed first: its
    // hosted systems, frozen with it, could not end otherwise.
    killFrozenSystem(s, this.log);
    // The processes of a VM's hosted systems end with it: they stop (forced) before it does.
    for (const h of hostedOf(this.systems.values(), s)) await this.terminate(h.id).catch(() => undefined);
    if ((s.state as string) === 'Stopped') return; // stopped meanwhile
    this.vms.unwatch(s.id);
    s.state = 'Stopped';
    s.exitType = exitType;
    s.shuttingDown = false;
    // The isolation's file system work starts after this step (endIsolation), i.e. once the record write below has
    // taken its snapshot: the two overlap.
    let cleanup: Promise<void> | undefined;
    if (s.isolation) cleanup = endIsolation(s, this.log);
    else if (s.job) endJobCgroup(s, this.log);
    else endHolder(s);
    // Processes that escaped the process groups' fate are reported as exited with the unknown status.
    for (const p of s.processes) {
      if (p.exited) continue;
      const lp = this.live.get(procKey(s.id, p.pid));
      if (lp?.child) continue; // its 'exit' event will report the real status
      this.markAdoptedExit(s, p);
    }
    const status: SystemExitStatusDoc = { Status: 0, ExitType: exitType };
    // The record write (its snapshot taken now) runs while the namespaces' mount points are removed.
    const saved = this.save();
    // Neither a failed write nor a failed cleanup (both logged) keeps the exit from its listeners and waiters.
    await Promise.allSettled([saved, cleanup]);
    this.emit(s.id, 'SystemExited', status);
    for (const w of this.systemWaiters.get(s.id) ?? []) w(status);
    this.systemWaiters.delete(s.id);
    this.maybeForget(s.id);
  }

  waitSystem(id: unknown): Promise<SystemExitStatusDoc> {
    const s = this.sys('HcsWaitForComputeSystemExit', id);
    if (s.state === 'Stopped') return Promise.resolve({ Status: 0, ExitType: s.exitType ?? 'None' });
    return new Promise((res) => {
      const list = this.systemWaiters.get(s.id) ?? [];
      list.push(res);
      this.systemWaiters.set(s.id, list);
    });
  }

  /** Terminates every system (used when the service is asked to stop). */
  async terminateAll(): Promise<void> {
    for (const s of [...this.systems.values()]) {
      if (s.state !== 'Stopped') await this.terminate(s.id).catch(() => undefined);
    }
  }
}
