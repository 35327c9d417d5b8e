/**
 * HostProcess job containers on Windows (what hcsshim's internal/jobcontainers does, minus the shim): the job
 * object `JobContainer_<id>` (never kill-on-close, so containers outlive the daemon) with its limits (./limits.ts),
 * the image and mounts at the mount point (./binding.ts: bind filter, or volume mount point + symlinks), processes
 * created in the job as the container's user (./spawn.ts, ./pty.ts for a TTY, ./users.ts, ./token.ts), exits from
 * the job's completion port (./port.ts, ./tracker.ts), shutdown by console control events (./control.ts). Handles
 * are ComputeSystems (./system.ts). The document and any temporary user are recorded (./records.ts): after a daemon restart a job can
 * be opened, given new processes, stopped, and its user and mount point are cleaned up even if it ended meanwhile.
 */
import type { ComputeSystem, JobContainerService } from '../../types.js';
import type { PropertiesDoc, StateDoc, SystemQueryDoc } from '../../hcs/schema/index.js';
import type { JobContainerDoc } from '../../jobs/schema.js';
import { JOB_NAME_PREFIX } from '../../jobs/document/index.js';
import { HRESULT, PlatformError } from '../../hresult.js';
import { type Bindings, type Pointer, isNull, win32Error, JOB_OBJECT_ALL_ACCESS } from '../ffi/index.js';
import { applyLimits } from './limits.js';
import { bindFilterSetup, fallbackSetup, fallbackTeardown } from './binding.js';
import { JobRecords } from './records.js';
import { JobTracker } from './tracker.js';
import { JobPort } from './port.js';
import { WinJobSystem } from './system.js';
import { deleteTemporaryUser } from './users.js';

const OP = 'CreateJobContainer';

export interface WinJobsOptions {
  /** Where job records live (document, temporary user); without it nothing survives a restart. */
  stateDir?: string;
}

export class WinJobs implements JobContainerService {
  private readonly trackers = new Map<string, JobTracker>();
  private readonly records: JobRecords;
  private readonly port: JobPort;
  private readonly ready: Promise<void>;
  constructor(private readonly b: Bindings, opts: WinJobsOptions = {}) {
    this.records = new JobRecords(opts.stateDir);
    this.port = new JobPort(b);
    this.ready = this.recover().catch(() => undefined);
  }

  get fileBinding(): boolean { return !!this.b.jobs.BfSetupFilter; }

  private openJob(name: string): Pointer { return this.b.jobs.OpenJobObjectW(JOB_OBJECT_ALL_ACCESS, 0, name) as Pointer; }

  /** Records of a previous run: jobs still there are tracked again; jobs that ended meanwhile are cleaned up. */
  private async recover(): Promise<void> {
    for (const rec of await this.records.all()) {
      const h = this.openJob(rec.doc.JobName);
      if (isNull(h)) await this.cleanup(rec.id, rec.doc).catch(() => undefined);
      else this.track(rec.id, h, rec.doc, 'Running');
    }
  }

  /** The temporary user, the fallback mount point, the record: what a job leaves behind once stopped. */
  private async cleanup(id: string, doc: JobContainerDoc | undefined): Promise<void> {
    if (!doc) return;
    if (doc.User.Kind === 'LocalGroup' && doc.User.TemporaryUser) deleteTemporaryUser(this.b, doc.User.TemporaryUser);
    fallbackTeardown(this.b, doc);
    await this.records.remove(id);
  }

  /** `h` becomes the tracker's own handle (accounting, port association). */
  private track(id: string, h: Pointer, doc: JobContainerDoc | undefined, state: StateDoc): JobTracker {
    const t = new JobTracker(id, this.b, h, doc, state, (x) => this.cleanup(x.id, x.doc));
    t.wakePort = () => this.port.wake();
    if (!this.port.attach(h, t)) t.usePolling();
    this.trackers.set(id, t);
    return t;
  }

  async createComputeSystem(id: string, doc: JobContainerDoc): Promise<ComputeSystem> {
    await this.ready;
    if (this.trackers.has(id)) throw new PlatformError(HRESULT.HCS_E_SYSTEM_ALREADY_EXISTS, OP, `job container ${id} already exists`);
    if (doc.FileBinding && !this.b.jobs.BfSetupFilter) throw new PlatformError(HRESULT.ERROR_NOT_SUPPORTED, OP, 'the document asks for the bind filter, which this host lacks (bindfltapi.dll); build it with FileBinding false');
    const j = this.b.jobs;
    await this.records.save({ id, doc });
    const h = j.CreateJobObjectW(null, doc.JobName) as Pointer;
    if (isNull(h)) {
      const e = win32Error(j.GetLastError() as number, OP, `CreateJobObjectW ${doc.JobName}`);
      await this.records.remove(id);
      throw e;
    }
    let own: Pointer = null;
    try {
      if ((j.GetLastError() as number) === 183) throw new PlatformError(HRESULT.HCS_E_SYSTEM_ALREADY_EXISTS, OP, `job object ${doc.JobName} already exists`);
      applyLimits(this.b, h, doc.Limits, OP);
      if (doc.FileBinding) bindFilterSetup(this.b, h, doc);
      else fallbackSetup(this.b, doc);
      own = this.openJob(doc.JobName);
      if (isNull(own)) throw win32Error(j.GetLastError() as number, OP, `OpenJobObjectW ${doc.JobName}`);
    } catch (e) {
      j.TerminateJobObject(h, 1);
      this.b.win32.CloseHandle(h);
      if (!(e instanceof PlatformError && e.is('HCS_E_SYSTEM_ALREADY_EXISTS'))) await this.records.remove(id);
      throw e;
    }
    return new WinJobSystem(id, h, this.b, this.track(id, own, doc, 'Created'));
  }

  async openComputeSystem(id: string): Promise<ComputeSystem> {
    await this.ready;
    const name = `${JOB_NAME_PREFIX}${id}`;
    const h = this.openJob(name);
    if (isNull(h)) throw new PlatformError(HRESULT.HCS_E_SYSTEM_NOT_FOUND, 'OpenJobContainer', `job container ${id} not found`);
    let t = this.trackers.get(id);
    if (!t) {
      const rec = await this.records.load(id);
      t = this.track(id, this.openJob(name), rec?.doc, 'Running');
    }
    return new WinJobSystem(id, h, this.b, t);
  }

  async enumerateComputeSystems(query?: SystemQueryDoc): Promise<PropertiesDoc[]> {
    await this.ready;
    return [...this.trackers.values()]
      .filter((t) => (!query?.Ids?.length || query.Ids.includes(t.id)) && (!query?.Owners?.length || !t.doc || query.Owners.includes(t.doc.Owner)))
      .map((t) => ({ Id: t.id, SystemType: 'Container', State: t.state, Owner: t.doc?.Owner }));
  }

  /** Stops watching (the port, timers); jobs and their processes keep running. */
  close(): void {
    this.port.close();
    for (const t of this.trackers.values()) t.dispose();
  }
}
