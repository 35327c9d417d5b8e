/**
 * HostProcess job containers on Windows (what hcsshim's internal/jobcontainers does, minus the shim): the job
 * object `JobContainer_<id>` (never kill-on-close, so containers outlive the daemon), its limits, the silo and
 * bind-filter mapping of the container volume at the mount point (and of each mount at its BoundPath), statistics
 * and process list from the job's accounting, termination of the whole job. Handles are ComputeSystems.
 *
 * Not implemented yet (E_NOTIMPL with a message): creating and opening processes (LogonUserW → temporary user for
 * a local group → CreatePipe ×3 → CreateProcessAsUserW suspended → AssignProcessToJobObject → ResumeThread →
 * _open_osfhandle streams; all bound in ffi/jobobject.ts), graceful shutdown (CtrlShutdown to each process; shutdown
 * terminates the job), the non-bind-filter fallback (volume mount point at `C:\hpc\<id>\` + symlinks), exit events,
 * pause/resume/modify. Job documents are kept in memory only: after a daemon restart a job can be opened, queried
 * and terminated, not given new processes.
 */
import type { ComputeEvent, ComputeProcess, ComputeSystem, JobContainerService } from '../types.js';
import type { PropertiesDoc, PropertyQueryDoc, SystemExitStatusDoc, SystemQueryDoc, StateDoc } from '../hcs/schema/index.js';
import type { JobContainerDoc } from '../jobs/schema.js';
import { JOB_NAME_PREFIX } from '../jobs/document/index.js';
import { HRESULT, PlatformError } from '../hresult.js';
import {
  type Bindings, isNull, win32Error, extendedLimitInformation, cpuRateControlInformation, parseBasicAccounting,
  processIdListBuffer, parseProcessIdList, failed, JobObjectExtendedLimitInformation, JobObjectCpuRateControlInformation,
  JobObjectCreateSilo, JobObjectBasicAccountingInformation, JobObjectBasicProcessIdList, JOB_OBJECT_LIMIT_JOB_MEMORY,
  JOB_OBJECT_CPU_RATE_CONTROL_ENABLE, JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP, JOB_OBJECT_CPU_RATE_CONTROL_WEIGHT_BASED,
  JOB_OBJECT_ALL_ACCESS, BINDFLT_FLAG_READ_ONLY_MAPPING, BINDFLT_FLAG_USE_CURRENT_SILO_MAPPING, type Pointer,
} from './ffi/index.js';

const MAX_LISTED_PROCESSES = 1024;

interface JobState { doc?: JobContainerDoc; state: StateDoc; createdAt: string }

export class WinJobs implements JobContainerService {
  /** Systems this process created or opened (ids → what is known of them). */
  private readonly known = new Map<string, JobState>();
  constructor(private readonly b: Bindings) {}

  get fileBinding(): boolean { return !!this.b.jobs.BfSetupFilter; }

  private check(ok: number, op: string, what: string): void {
    if (!ok) throw win32Error(this.b.jobs.GetLastError() as number, op, what);
  }

  async createComputeSystem(id: string, doc: JobContainerDoc): Promise<ComputeSystem> {
    const op = 'CreateJobContainer';
    if (this.known.has(id)) throw new PlatformError(HRESULT.HCS_E_SYSTEM_ALREADY_EXISTS, op, `job container ${id} already exists`);
    if (doc.FileBinding && !this.b.jobs.BfSetupFilter) throw new PlatformError(HRESULT.E_NOTIMPL, op, 'the document asks for the bind filter, which this host lacks (bindfltapi.dll)');
    if (!doc.FileBinding) throw new PlatformError(HRESULT.E_NOTIMPL, op, 'job containers without the bind filter (volume mount point at C:\\hpc\\<id>\\) are not implemented yet');
    const j = this.b.jobs;
    const h = j.CreateJobObjectW(null, doc.JobName) as Pointer;
    if (isNull(h)) throw win32Error(j.GetLastError() as number, op, `CreateJobObjectW ${doc.JobName}`);
    try {
      if ((j.GetLastError() as number) === 183) throw new PlatformError(HRESULT.HCS_E_SYSTEM_ALREADY_EXISTS, op, `job object ${doc.JobName} already exists`);
      const mem = doc.Limits?.JobMemoryLimitInBytes ?? 0;
      // Kill-on-close stays off: the container must outlive this process (the daemon restarts, HCS-like).
      this.check(j.SetInformationJobObject(h, JobObjectExtendedLimitInformation, extendedLimitInformation(mem > 0 ? JOB_OBJECT_LIMIT_JOB_MEMORY : 0, mem), 144), op, 'extended limits');
      const rate = doc.Limits?.CpuRate;
      const weight = doc.Limits?.CpuWeight;
      if (rate || weight) {
        const info = rate
          ? cpuRateControlInformation(JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP, rate)
          : cpuRateControlInformation(JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_WEIGHT_BASED, weight!);
        this.check(j.SetInformationJobObject(h, JobObjectCpuRateControlInformation, info, 8), op, 'CPU rate control');
      }
      this.check(j.SetInformationJobObject(h, JobObjectCreateSilo, null, 0), op, 'promote to silo');
      const bind = (root: string, target: string, ro: boolean) => {
        const hr = j.BfSetupFilter!(h, BINDFLT_FLAG_USE_CURRENT_SILO_MAPPING | (ro ? BINDFLT_FLAG_READ_ONLY_MAPPING : 0), root, target, null, 0) as number;
        if (failed(hr)) throw new PlatformError(hr >>> 0, op, `BfSetupFilter ${root} → ${target}`);
      };
      bind(doc.MountPoint, doc.RootVolume, false);
      for (const m of doc.Mounts ?? []) if (m.BoundPath) bind(m.BoundPath, m.HostPath, !!m.ReadOnly);
    } catch (e) {
      j.TerminateJobObject(h, 1);
      this.b.win32.CloseHandle(h);
      throw e;
    }
    this.known.set(id, { doc, state: 'Created', createdAt: new Date().toISOString() });
    return new WinJobSystem(id, h, this.b, this.known.get(id)!);
  }

  async openComputeSystem(id: string): Promise<ComputeSystem> {
    const h = this.b.jobs.OpenJobObjectW(JOB_OBJECT_ALL_ACCESS, 0, `${JOB_NAME_PREFIX}${id}`) as Pointer;
    if (isNull(h)) throw new PlatformError(HRESULT.HCS_E_SYSTEM_NOT_FOUND, 'OpenJobContainer', `job container ${id} not found`);
    let st = this.known.get(id);
    if (!st) { st = { state: 'Running', createdAt: new Date().toISOString() }; this.known.set(id, st); }
    return new WinJobSystem(id, h, this.b, st);
  }

  async enumerateComputeSystems(query?: SystemQueryDoc): Promise<PropertiesDoc[]> {
    return [...this.known.entries()]
      .filter(([id, s]) => (!query?.Ids?.length || query.Ids.includes(id)) && (!query?.Owners?.length || !s.doc || query.Owners.includes(s.doc.Owner)))
      .map(([id, s]) => ({ Id: id, SystemType: 'Container', State: s.state, Owner: s.doc?.Owner }));
  }
}

class WinJobSystem implements ComputeSystem {
  private closed = false;
  constructor(readonly id: string, private readonly h: Pointer, private readonly b: Bindings, private readonly st: JobState) {}
  private notImpl(op: string, what: string): Promise<never> {
    return Promise.reject(new PlatformError(HRESULT.E_NOTIMPL, op, `${what} is not implemented for job containers on Windows yet`));
  }
  async start(): Promise<void> {
    if (this.st.state !== 'Created') throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, 'StartJobContainer', `job container ${this.id} is ${this.st.state}`);
    this.st.state = 'Running';
  }
  /** Graceful stop needs console control events per process (not yet): the job is terminated. */
  shutdown(): Promise<void> { return this.terminate(); }
  async terminate(): Promise<void> {
    if (this.st.state === 'Stopped') throw new PlatformError(HRESULT.HCS_E_SYSTEM_ALREADY_STOPPED, 'TerminateJobObject', `job container ${this.id} is stopped`);
    if (!this.b.jobs.TerminateJobObject(this.h, 1)) throw win32Error(this.b.jobs.GetLastError() as number, 'TerminateJobObject');
    this.st.state = 'Stopped';
  }
  pause(): Promise<void> { return this.notImpl('PauseJobContainer', 'pause'); }
  resume(): Promise<void> { return this.notImpl('ResumeJobContainer', 'resume'); }
  modify(): Promise<void> { return this.notImpl('ModifyJobContainer', 'modify'); }
  async getProperties(query?: PropertyQueryDoc): Promise<PropertiesDoc> {
    const j = this.b.jobs;
    const acct = Buffer.alloc(48);
    if (!j.QueryInformationJobObject(this.h, JobObjectBasicAccountingInformation, acct, 48, [0])) throw win32Error(j.GetLastError() as number, 'QueryInformationJobObject');
    const a = parseBasicAccounting(acct);
    const p: PropertiesDoc = { Id: this.id, SystemType: 'Container', State: this.st.state, Stopped: this.st.state === 'Stopped' };
    if (this.st.doc) p.Owner = this.st.doc.Owner;
    const types = new Set(query?.PropertyTypes ?? []);
    if (types.has('Statistics')) {
      const user = Number(a.totalUserTime100ns);
      const kernel = Number(a.totalKernelTime100ns);
      p.Statistics = {
        Timestamp: new Date().toISOString(), ContainerStartTime: this.st.createdAt,
        Processor: { TotalRuntime100ns: user + kernel, RuntimeUser100ns: user, RuntimeKernel100ns: kernel },
      };
    }
    if (types.has('ProcessList')) {
      const list = processIdListBuffer(MAX_LISTED_PROCESSES);
      if (!j.QueryInformationJobObject(this.h, JobObjectBasicProcessIdList, list, list.length, [0])) throw win32Error(j.GetLastError() as number, 'QueryInformationJobObject');
      p.ProcessList = parseProcessIdList(list).map((pid) => ({ ProcessId: pid }));
    }
    return p;
  }
  createProcess(): Promise<ComputeProcess> { return this.notImpl('CreateJobContainerProcess', 'creating processes (CreateProcessAsUserW)'); }
  openProcess(): Promise<ComputeProcess> { return this.notImpl('OpenJobContainerProcess', 'opening processes'); }
  /** Resolves once the job was terminated through any handle of this process, or its last process exited. */
  async waitExit(): Promise<SystemExitStatusDoc> {
    for (;;) {
      if (this.st.state === 'Stopped') return { Status: 0, ExitType: 'ForcedExit' };
      const acct = Buffer.alloc(48);
      if (this.b.jobs.QueryInformationJobObject(this.h, JobObjectBasicAccountingInformation, acct, 48, [0])) {
        const a = parseBasicAccounting(acct);
        if (this.st.state === 'Running' && a.totalProcesses > 0 && a.activeProcesses === 0) {
          this.st.state = 'Stopped';
          return { Status: 0, ExitType: 'GracefulExit' };
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  onEvent(_listener: (e: ComputeEvent) => void): void { /* exit events: waitExit polls the job (see the header) */ }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.b.win32.CloseHandle(this.h);
  }
}
