/**
 * A handle on a job container (a ComputeSystem, so the runtime drives it like an HCS compute system). Start has
 * nothing to start (hcsshim neither); processes are created in the job (./spawn.ts; with a TTY ./pty.ts) or opened by pid; shutdown
 * sends CtrlShutdown to every process of the job once (./control.ts) and the runtime terminates after its grace period;
 * terminate ends the job; modify changes the job's limits live (./limits.ts). Pause and resume do not exist for
 * job containers (hcsshim's neither): a job object cannot be frozen as a whole.
 */
import { hostProcessorCount } from '../../../util/host-cpus.js';
import type { ComputeEvent, ComputeProcess, ComputeSystem } from '../../types.js';
import type {
  ModifySettingRequestDoc, ProcessParametersDoc, PropertiesDoc, PropertyQueryDoc, SystemExitStatusDoc,
} from '../../hcs/schema/index.js';
import { HRESULT, PlatformError } from '../../hresult.js';
import {
  type Bindings, type Pointer, isNull, win32Error, parseBasicAccounting, processIdListBuffer, parseProcessIdList,
  JobObjectBasicAccountingInformation, JobObjectBasicProcessIdList, PROCESS_ALL_ACCESS,
} from '../ffi/index.js';
import type { JobTracker } from './tracker.js';
import { WinJobProcess } from './process.js';
import { spawnInJob } from './spawn.js';
import { spawnWithConsole, consoleSize } from './pty.js';
import { jobLaunch } from './launch.js';
import { tokenFor, defaultEnvironment } from './token.js';
import { shutdownProcesses } from './control.js';
import { applyLimits } from './limits.js';
import { limitsOfRequest, mergeLimits, JOB_MODIFY_OP as MODIFY_OP } from '../../jobs/document/index.js';

const MAX_LISTED_PROCESSES = 1024;
const NO_FREEZE = 'is not supported for HostProcess containers: their processes run on the host in a job object, which Windows cannot freeze as a whole (hcsshim\'s job containers refuse it too); stop the container instead';

export class WinJobSystem implements ComputeSystem {
  private closed = false;
  private readonly mine = new Set<(e: ComputeEvent) => void>();
  constructor(readonly id: string, private readonly h: Pointer, private readonly b: Bindings, private readonly t: JobTracker) {}

  private open(op: string): void {
    if (this.closed) throw new PlatformError(HRESULT.E_HANDLE, op, 'the job container handle is closed');
  }
  private running(op: string): void {
    this.open(op);
    if (this.t.state === 'Stopped') throw new PlatformError(HRESULT.HCS_E_SYSTEM_ALREADY_STOPPED, op, `job container ${this.id} is stopped`);
  }
  private pids(): number[] {
    const list = processIdListBuffer(MAX_LISTED_PROCESSES);
    if (!this.b.jobs.QueryInformationJobObject(this.h, JobObjectBasicProcessIdList, list, list.length, [0])) throw win32Error(this.b.jobs.GetLastError() as number, 'QueryInformationJobObject');
    return parseProcessIdList(list);
  }

  async start(): Promise<void> {
    this.open('StartJobContainer');
    if (this.t.state !== 'Created') throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, 'StartJobContainer', `job container ${this.id} is ${this.t.state}`);
    this.t.state = 'Running';
  }
  async shutdown(): Promise<void> {
    this.running('ShutdownJobContainer');
    // Once: a second CtrlShutdown (the IO keeper's ask, then the daemon's) would tell a program handling the first
    // to quit now. The tracker is shared by this daemon's handles of the job.
    if (this.t.shutdownSent) return;
    const pids = this.pids();
    if (pids.length === 0) await this.t.stop({ Status: 0, ExitType: 'GracefulExit' });
    else { shutdownProcesses(this.b, pids); this.t.shutdownSent = true; }
  }
  async terminate(): Promise<void> {
    this.running('TerminateJobObject');
    if (!this.b.jobs.TerminateJobObject(this.h, 1)) throw win32Error(this.b.jobs.GetLastError() as number, 'TerminateJobObject');
    await this.t.stop({ Status: 0, ExitType: 'ForcedExit' });
  }
  pause(): Promise<void> { return Promise.reject(new PlatformError(HRESULT.E_NOTIMPL, 'PauseJobContainer', `pause ${NO_FREEZE}`)); }
  resume(): Promise<void> { return Promise.reject(new PlatformError(HRESULT.E_NOTIMPL, 'ResumeJobContainer', `resume ${NO_FREEZE}`)); }
  async modify(request: ModifySettingRequestDoc): Promise<void> {
    this.running(MODIFY_OP);
    const change = limitsOfRequest(request, hostProcessorCount());
    applyLimits(this.b, this.h, change.limits, MODIFY_OP, change.memory);
    if (this.t.doc) this.t.doc = { ...this.t.doc, Limits: mergeLimits(this.t.doc.Limits, change) };
  }

  async getProperties(query?: PropertyQueryDoc): Promise<PropertiesDoc> {
    this.open('GetJobContainerProperties');
    const j = this.b.jobs;
    const acct = Buffer.alloc(48);
    if (!j.QueryInformationJobObject(this.h, JobObjectBasicAccountingInformation, acct, 48, [0])) throw win32Error(j.GetLastError() as number, 'QueryInformationJobObject');
    const a = parseBasicAccounting(acct);
    const p: PropertiesDoc = { Id: this.id, SystemType: 'Container', State: this.t.state, Stopped: this.t.state === 'Stopped' };
    if (this.t.doc) p.Owner = this.t.doc.Owner;
    const types = new Set(query?.PropertyTypes ?? []);
    if (types.has('Statistics')) {
      const user = Number(a.totalUserTime100ns);
      const kernel = Number(a.totalKernelTime100ns);
      p.Statistics = {
        Timestamp: new Date().toISOString(), ContainerStartTime: this.t.createdAt,
        Processor: { TotalRuntime100ns: user + kernel, RuntimeUser100ns: user, RuntimeKernel100ns: kernel },
      };
    }
    if (types.has('ProcessList')) p.ProcessList = this.pids().map((pid) => ({ ProcessId: pid }));
    return p;
  }

  async createProcess(params: ProcessParametersDoc): Promise<ComputeProcess> {
    const op = 'JobCreateProcess';
    this.running(op);
    if (!this.t.doc) throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `job container ${this.id} was created without a state record this runtime can read; recreate it to run processes in it`);
    const token = tokenFor(this.b, this.h, this.t);
    const launch = jobLaunch(this.t.doc, params, defaultEnvironment(this.b, token));
    if (params.EmulateConsole) {
      const c = spawnWithConsole(this.b, this.h, token, launch, consoleSize(params));
      return new WinJobProcess(this.b, c.handle, c.pid, c.stdio, this.t, c.console);
    }
    const s = spawnInJob(this.b, this.h, token, launch, {
      stdin: !!params.CreateStdInPipe, stdout: !!params.CreateStdOutPipe, stderr: !!params.CreateStdErrPipe,
    });
    return new WinJobProcess(this.b, s.handle, s.pid, s.stdio, this.t);
  }

  async openProcess(pid: number): Promise<ComputeProcess> {
    const op = 'OpenJobProcess';
    this.open(op);
    const hp = this.b.proc.OpenProcess(PROCESS_ALL_ACCESS, 0, pid >>> 0) as Pointer;
    if (isNull(hp)) throw new PlatformError(HRESULT.ERROR_NOT_FOUND, op, `process ${pid} not found`);
    const inJob = [0];
    if (!this.b.jobs.IsProcessInJob(hp, this.h, inJob) || !inJob[0]) {
      this.b.win32.CloseHandle(hp);
      throw new PlatformError(HRESULT.ERROR_NOT_FOUND, op, `process ${pid} is not a process of job container ${this.id}`);
    }
    return new WinJobProcess(this.b, hp, pid, {}, this.t);
  }

  waitExit(): Promise<SystemExitStatusDoc> { return this.t.waitExit(); }
  onEvent(listener: (e: ComputeEvent) => void): void { this.mine.add(listener); this.t.listen(listener); }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.mine) this.t.unlisten(l);
    this.b.win32.CloseHandle(this.h);
  }
}
