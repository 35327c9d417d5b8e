/**
 * One job container as this daemon knows it, shared by every handle opened on it: state, document, the token its
 * processes are created with, the processes it watches, and the listeners of its events. Exits are found by
 * `check()`: each watched process that is signalled (WaitForSingleObject with 0 ms, never blocking) reports its exit
 * code, and a running job whose accounting shows no active process left has stopped. The job's completion port
 * (./port.ts) calls check() when Windows posts a notification; a job that cannot be associated with the port (one
 * opened after a daemon restart is already associated with the old one) is checked on a timer instead.
 */
import type { ComputeEvent, ComputeProcess } from '../../types.js';
import type { StateDoc, SystemExitStatusDoc } from '../../hcs/schema/index.js';
import type { JobContainerDoc } from '../../jobs/schema.js';
import { type Bindings, type Pointer, isNull, parseBasicAccounting, JobObjectBasicAccountingInformation } from '../ffi/index.js';

const POLL_MS = 250;

export interface Watched extends ComputeProcess { readonly waiting: boolean; poll(): void }

export class JobTracker {
  state: StateDoc;
  token: Pointer = null;
  /** CtrlShutdown was sent to the job's processes (WinJobSystem.shutdown): a repeated shutdown sends nothing. */
  shutdownSent = false;
  private exit?: SystemExitStatusDoc;
  private readonly procs = new Set<Watched>();
  private readonly listeners = new Set<(e: ComputeEvent) => void>();
  private readonly exitWaiters: ((s: SystemExitStatusDoc) => void)[] = [];
  private timer?: NodeJS.Timeout;
  private polling = false;
  /** Set by the owner: restarts the completion port loop when this job needs watching again. */
  wakePort?: () => void;
  readonly createdAt = new Date().toISOString();

  constructor(
    readonly id: string, private readonly b: Bindings, private h: Pointer, public doc: JobContainerDoc | undefined,
    state: StateDoc, private readonly onStopped: (t: JobTracker) => Promise<void>,
  ) { this.state = state; }

  add(p: Watched): void { this.procs.add(p); }
  remove(p: Watched): void { this.procs.delete(p); this.schedule(); }
  listen(l: (e: ComputeEvent) => void): void { this.listeners.add(l); }
  unlisten(l: (e: ComputeEvent) => void): void { this.listeners.delete(l); }
  emit(e: ComputeEvent): void {
    for (const l of this.listeners) { try { l(e); } catch { /* the listener's business */ } }
  }

  /** Something still needs exit checks: a job that has not stopped, or a process somebody waits for. */
  needsWatching(): boolean {
    return this.state !== 'Stopped' || [...this.procs].some((p) => p.waiting);
  }

  check(): void {
    for (const p of [...this.procs]) p.poll();
    if (this.state === 'Running' && !isNull(this.h)) {
      const acct = Buffer.alloc(48);
      if (this.b.jobs.QueryInformationJobObject(this.h, JobObjectBasicAccountingInformation, acct, 48, [0])) {
        const a = parseBasicAccounting(acct);
        if (a.totalProcesses > 0 && a.activeProcesses === 0) void this.stop({ Status: 0, ExitType: 'GracefulExit' }).catch(() => undefined);
      }
    }
    this.schedule();
  }

  /** Marks the job stopped (once): waiters and listeners learn it, the token and our handle go, cleanup runs. */
  stop(s: SystemExitStatusDoc): Promise<void> {
    if (this.state === 'Stopped') return Promise.resolve();
    this.state = 'Stopped';
    this.exit = s;
    for (const w of this.exitWaiters.splice(0)) w(s);
    this.emit({ type: 'SystemExited', data: s });
    if (!isNull(this.token)) { this.b.win32.CloseHandle(this.token); this.token = null; }
    if (!isNull(this.h)) { this.b.win32.CloseHandle(this.h); this.h = null; }
    this.schedule();
    return this.onStopped(this);
  }

  waitExit(): Promise<SystemExitStatusDoc> {
    if (this.exit) return Promise.resolve(this.exit);
    const p = new Promise<SystemExitStatusDoc>((res) => this.exitWaiters.push(res));
    this.check();
    return p;
  }

  /** No completion port for this job: check on a timer while needed (holding the event loop only for waiters). */
  usePolling(): void { this.polling = true; this.schedule(); }

  schedule(): void {
    if (!this.polling) { if (this.needsWatching()) this.wakePort?.(); return; }
    const need = this.needsWatching();
    if (need && !this.timer) this.timer = setInterval(() => this.check(), POLL_MS);
    if (!need && this.timer) { clearInterval(this.timer); this.timer = undefined; }
    if (this.timer) {
      if (this.exitWaiters.length > 0 || [...this.procs].some((p) => p.waiting)) this.timer.ref(); else this.timer.unref();
    }
  }

  /** The daemon stops watching (platform closed): timers end, our handle and the token are released. */
  dispose(): void {
    this.polling = false;
    if (this.timer) { clearInterval(this.timer); this.timer = undefined; }
    if (!isNull(this.token)) { this.b.win32.CloseHandle(this.token); this.token = null; }
    if (!isNull(this.h)) { this.b.win32.CloseHandle(this.h); this.h = null; }
  }
}
