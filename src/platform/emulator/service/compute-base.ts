/**
 * The compute emulator's shared state and bookkeeping (compute.ts is the entry): system records and their
 * persistence, live processes of this service (live-proc.ts), handles, process-exit recording, the process groups of a system.
 * Layers on top: stopping (compute-stop.ts), process stdio (compute-stdio.ts), processes (compute-processes.ts), systems (compute.ts).
 */
import { join } from 'node:path';
import { PlatformError, HRESULT } from '../../hresult.js';
import {
  type ProcessStatusDoc, type PropertiesDoc, type SystemExitStatusDoc, type ContainerDoc, type ExitTypeDoc,
} from '../../hcs/schema/index.js';
import type { Persister } from './persist.js';
import type { StorageEmulator } from './storage.js';
import { isAlive } from './procfs.js';
import { anyInGroups } from './signals.js';
import type { ProcRecord, SystemRecord } from './records.js';
import { readExitStatus, removeStatusFile } from './exit-status.js';
import { isolate } from './isolate.js';
import { VmDeaths } from './vm-watch.js';
import { LaunchIntents } from './launch-intents.js';
import { PendingRecords } from './pending-records.js';
import { ProcessForgetter, procKey, releaseProcess } from './process-forget.js';
import type { LiveProc } from './live-proc.js';
import type { FaultPoint } from './fault-names.js';
import { recordOfPid } from './proc-lookup.js';
import { shownState } from './hosted-pause.js';


export type ComputeEventSink = (systemId: string, event: 'SystemExited' | 'ProcessExited', data: unknown, pid?: number) => void;

export abstract class ComputeBase {
  protected readonly systems = new Map<string, SystemRecord>();
  protected live = new Map<string, LiveProc>(); // procKey
  protected systemWaiters = new Map<string, ((s: SystemExitStatusDoc) => void)[]>();
  protected handles = new Map<string, number>();
  protected shutdownPolls = new Map<string, NodeJS.Timeout>();
  protected readonly hostPath = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  /** Utility VMs whose process is watched, and VMs being stopped because it died (vm-watch.ts). */
  protected readonly vms = new VmDeaths((id) => this.systems.get(id), (vm) => this.stopped(vm, 'UnexpectedExit'), (m) => this.log(m));
  /** The Linux network namespace of an HNS namespace GUID, when the network emulator builds real networking. */
  netnsOf: (namespaceGuid: string) => string | undefined = () => undefined;
  /** Refuses a ContainerCredentialGuard that names no live credential guard instance (credential-guard.ts). */
  checkCredentialGuard: (op: string, state: ContainerDoc['ContainerCredentialGuard'], path: string) => void = () => undefined;
  /** A named point inside an operation where a test can delay it (faults.ts: the service's fault injection). */
  checkpoint: (point: FaultPoint) => Promise<void> = () => Promise.resolve();
  /** Launches in flight, persisted before their helper runs (launch-intents.ts). */
  protected readonly intents: LaunchIntents;
  /** Intents (status files) of launches recorded in memory whose record write failed (save()). */
  protected readonly unsettled = new Set<string>();
  /** Record writes of processes created with `recordLater` (procKey). */
  protected readonly recording = new PendingRecords();
  /** Processes whose exit is recorded but not yet reported (persisted, then event and waiters). */
  protected readonly reporting = new Set<string>();
  /** Process handles, and forgetting exited processes (process-forget.ts). */
  readonly forget = new ProcessForgetter({
    systems: this.systems, live: this.live, recording: this.recording, reporting: this.reporting,
    log: (m) => this.log(m),
  });

  constructor(
    protected readonly stateDir: string,
    protected readonly persist: Persister,
    protected readonly storage: StorageEmulator,
    protected readonly emit: ComputeEventSink,
    protected readonly log: (msg: string) => void,
  ) {
    this.intents = new LaunchIntents(join(stateDir, 'records'), (m) => this.log(m));
  }

  /** Terminates a system (compute-stop.ts); used when its last handle closes. */
  abstract terminate(id: unknown): Promise<void>;
  /** Records a system as stopped (compute-stop.ts). */
  protected abstract stopped(s: SystemRecord, exitType: ExitTypeDoc): Promise<void>;

  /**
   * Writes the systems' records; resolves to whether the write succeeded. Launch intents whose process record a
   * failed write left off the disk (unsettled) are dropped by the next save that succeeds: it was asked for after
   * their records were in memory, so its write holds them.
   */
  protected async save(): Promise<boolean> {
    const settles = [...this.unsettled];
    const ok = await this.persist.trySave('systems', () => [...this.systems.values()]);
    if (ok) for (const f of settles) { this.unsettled.delete(f); this.intents.end(f); }
    return ok;
  }

  protected liveOf(systemId: string, pid: number): LiveProc {
    const k = procKey(systemId, pid);
    let lp = this.live.get(k);
    if (!lp) { lp = { waiters: [] }; this.live.set(k, lp); }
    return lp;
  }

  // ---- handles ----------------------------------------------------------------------------------------------

  addHandle(id: string): void { this.handles.set(id, (this.handles.get(id) ?? 0) + 1); }
  releaseHandle(id: string): void {
    const n = (this.handles.get(id) ?? 1) - 1;
    if (n > 0) { this.handles.set(id, n); return; }
    this.handles.delete(id);
    const sys = this.systems.get(id);
    if (!sys) return;
    if (sys.state !== 'Stopped' && sys.document.ShouldTerminateOnLastHandleClosed) {
      this.log(`last handle to ${id} closed: terminating (ShouldTerminateOnLastHandleClosed)`);
      void this.terminate(id).catch(() => undefined);
      return;
    }
    this.maybeForget(id);
  }
  /** A stopped system disappears once no handle refers to it (as in HCS). */
  protected maybeForget(id: string): void {
    const sys = this.systems.get(id);
    if (!sys || sys.state !== 'Stopped' || (this.handles.get(id) ?? 0) > 0) return;
    this.systems.delete(id);
    for (const p of sys.processes) {
      const k = procKey(id, p.pid);
      try { releaseProcess(p, this.live.get(k), (m) => this.log(m)); } catch (e) { this.log(`releasing process ${p.pid} of ${id}: ${(e as Error).message}`); }
      this.live.delete(k);
    }
    this.forget.handles.dropSystem(id);
    void this.save();
  }

  protected sys(op: string, id: unknown): SystemRecord {
    if (typeof id !== 'string' || id === '') throw new PlatformError(HRESULT.E_INVALIDARG, op, 'id is required');
    const s = this.systems.get(id);
    if (!s) throw new PlatformError(HRESULT.HCS_E_SYSTEM_NOT_FOUND, op, `compute system ${id} not found`);
    return s;
  }

  protected basic(s: SystemRecord): PropertiesDoc {
    const p: PropertiesDoc = {
      Id: s.id, Name: s.id, SystemType: s.document.VirtualMachine ? 'VirtualMachine' : 'Container',
      RuntimeOsType: 'windows', State: shownState(this.systems, s), Stopped: s.state === 'Stopped',
    };
    if (s.document.Owner) p.Owner = s.document.Owner;
    if (s.document.HostingSystemId) p.HostingSystemId = s.document.HostingSystemId;
    if (s.state === 'Stopped') p.ExitType = s.exitType ?? 'None';
    return p;
  }

  protected pgids(s: SystemRecord): Set<number> {
    // Exited group leaders still count while their group has a member: kill(-pgid, 0), no scan of the host's /proc
    // (one file per host process). A group of zombies only counts too: signalling it is harmless, and the callers
    // that count processes (processesInGroups) leave zombies out.
    return new Set(s.processes.filter((p) => !p.exited || anyInGroups([p.pid]) || isAlive(p.pid)).map((p) => p.pid));
  }

  protected markExited(s: SystemRecord, p: ProcRecord, exitCode: number, lastWaitResult: number): void {
    if (p.exited) return;
    p.exited = true;
    const k = procKey(s.id, p.pid);
    // Its live entry now: a process given its pid later gets one of its own (pid-reuse.ts); the waiters are its.
    const lp = this.live.get(k);
    // Nothing reads its stdin any more: an attachment is told the end (it stops writing into the spool).
    lp?.stdin?.finish();
    p.exitCode = exitCode >>> 0;
    p.lastWaitResult = lastWaitResult;
    const status = this.statusOf(p);
    this.reporting.add(k);
    // Persist before anyone can observe the exit, so an observed status survives a service crash; a process that
    // died with its utility VM is reported once the VM is (vm-watch.ts).
    void Promise.all([this.vms.hostingSettled(s), this.save()]).then(() => {
      removeStatusFile(p.statusFile); // the recorded exit is durable now
      this.emit(s.id, 'ProcessExited', status, p.pid);
      if (lp) { for (const w of lp.waiters) w(status); lp.waiters = []; }
      this.reporting.delete(k);
      this.forget.forgetExited(s.id); // this one, if nobody holds it (any more), and others its exit left behind
    }).catch((e: unknown) => this.log(`reporting the exit of process ${p.pid} in ${s.id}: ${(e as Error).message}`));
  }

  /**
   * The exit of a process this service is not the parent of (re-adopted, or left behind at stop): the status its
   * namespace helper wrote, else unknown (255, HCS_E_PROCESS_INFO_NOT_AVAILABLE).
   */
  protected markAdoptedExit(s: SystemRecord, p: ProcRecord): void {
    const code = readExitStatus(p.statusFile);
    if (code !== undefined) this.markExited(s, p, code, 0);
    else this.markExited(s, p, 255, HRESULT.HCS_E_PROCESS_INFO_NOT_AVAILABLE | 0);
  }

  protected statusOf(p: ProcRecord): ProcessStatusDoc {
    if (!p.exited) return { ProcessId: p.pid, Exited: false };
    return { ProcessId: p.pid, Exited: true, ExitCode: p.exitCode ?? 255, LastWaitResult: p.lastWaitResult ?? 0 };
  }

  protected proc(op: string, id: unknown, pid: unknown): { s: SystemRecord; p: ProcRecord } {
    const s = this.sys(op, id);
    const p = recordOfPid(s.processes, pid);
    if (!p) throw new PlatformError(HRESULT.ERROR_NOT_FOUND, op, `process ${String(pid)} not found in ${s.id}`);
    return { s, p };
  }

  protected isolate(s: SystemRecord): Promise<void> {
    const hosting = s.document.HostingSystemId ? this.systems.get(s.document.HostingSystemId) : undefined;
    return isolate(s, hosting, this.netnsOf, this.log, this.stateDir, () => this.checkpoint('HcsStartComputeSystem:holder'));
  }
}
