/**
 * Compute systems and processes (computecore semantics) on Linux.
 *
 * State machine: Created → Running ⇄ Paused → Stopped. Every process of a system is a real Linux process in its
 * own process group, spawned detached by the service (so it survives its clients). Pause/resume freezes/thaws the
 * system's cgroup, or where it has no freezer SIGSTOPs/SIGCONTs its process groups (system-pause.ts: pause completes
 * once it took effect); shutdown = SIGTERM to the groups, the system stops (GracefulExit) once they are gone;
 * terminate = SIGKILL (ForcedExit). A running system whose processes all exited keeps running.
 *
 * Exit codes: a normal exit reports its status; a process killed by signal N reports 128+N (as shells do), with
 * LastWaitResult S_OK. A process re-adopted after a service restart (its exit status cannot be collected, it is not
 * our child any more) reports the status its namespace helper wrote (exit-status.ts), or, without one, ExitCode 255
 * and LastWaitResult HCS_E_PROCESS_INFO_NOT_AVAILABLE.
 *
 * Hostname: see uts.ts. Process launch (program resolution, namespaces, environment): see launch.ts. Console
 * processes (EmulateConsole) run on a real pseudo-terminal: see console.ts.
 * Job containers (HostProcess) are records of this emulator too, with a `job` part: see jobs.ts / job-launch.ts.
 * Utility VMs and the systems they host (Hyper-V isolation): see hosting.ts.
 *
 * Files: compute-base.ts (records, handles, exit recording), compute-stop.ts (shutdown/terminate),
 * compute-stdio.ts (process stdio), compute-processes.ts (processes), compute-load.ts (load and re-adoption at service
 * start), compute-create.ts (create's checks and the new record), compute-queries.ts (enumerate, properties), this one
 * (the system verbs: create/open/start/pause/resume/modify and the read side's entry points).
 */
import { PlatformError, HRESULT } from '../../hresult.js';
import { ModifySettingRequest, type PropertiesDoc } from '../../hcs/schema/index.js';
import type { SystemRecord } from './records.js';
import { parseDoc } from './documents.js';
import { utsSupported, startHolder } from './uts.js';
import { materializeMapping } from './mappings.js';
import { applyModify } from './modify.js';
import { applyVmModify } from './vm-modify.js';
import { pipeMappings } from './pipes.js';
import { isolationFacts } from './isolation.js';
import { abortStart } from './isolate.js';
import { limitsFailure } from './cgroup-errors.js';
import { startJobCgroup, modifyJob } from './job-limits.js';
import { instanceId } from './instance.js';
import { newSystemRecord } from './compute-create.js';
import { enumerateSystems, systemProperties, type QueryContext } from './compute-queries.js';
import { ComputeProcesses } from './compute-processes.js';
import { loadSystems } from './compute-load.js';
import { readTaskStates } from './pause-wait.js';
import { pauseSystem, resumeProcesses, type PauseWait } from './system-pause.js';
import { pauseRebuilt } from './rebuilt-pause.js';
import { checkVmRuns } from './hosted-pause.js';

export type { ProcRecord } from './records.js';
export type { ComputeEventSink } from './compute-base.js';

export class ComputeEmulator extends ComputeProcesses {
  /** What the read side (compute-queries.ts) sees of the systems. */
  private readonly queries: QueryContext = { systems: this.systems, basic: (s) => this.basic(s), pgids: (s) => this.pgids(s) };
  /** How a pause sees its processes (system-pause.ts) and how long it waits for them to pause; tests set others. */
  pauseWait: PauseWait = { states: readTaskStates, timeoutMs: 10_000 };

  // ---- persistence / re-adoption (compute-load.ts) ------------------------------------------------------------

  async load(): Promise<void> {
    await loadSystems({
      stateDir: this.stateDir, persist: this.persist, intents: this.intents, systems: this.systems, vms: this.vms,
      loadedProcs: this.forget.loaded,
      log: this.log,
      liveOf: (systemId, pid) => this.liveOf(systemId, pid),
      markAdoptedExit: (s, p) => this.markAdoptedExit(s, p),
      isolate: (s) => this.isolate(s),
      pauseRebuilt: (s) => pauseRebuilt(s, this.pauseWait, this.log),
      watchShutdown: (s) => this.watchShutdown(s),
      maybeForget: (id) => this.maybeForget(id),
      save: () => this.save(),
      graceForExited: () => this.forget.graceForExited(),
    });
  }

  // ---- systems ----------------------------------------------------------------------------------------------

  async create(id: unknown, text: unknown): Promise<void> {
    const { rec, storageLess } = newSystemRecord('HcsCreateComputeSystem', id, text, {
      systems: this.systems, storage: this.storage, stateDir: this.stateDir, checkCredentialGuard: this.checkCredentialGuard,
    });
    this.systems.set(rec.id, rec);
    // A created system owns nothing yet (no process, namespace, cgroup or mount; its root is the caller's storage),
    // so a crash that loses it leaves nothing behind: its record goes to disk with the next write (start's), one
    // fsync'd write less per container start. HCS keeps created systems in memory only as well. A storage-less
    // system's private root directory is an owned resource: that record is written now.
    if (storageLess) await this.save();
  }

  open(id: unknown): void {
    const s = this.sys('HcsOpenComputeSystem', id);
    if (s.job) throw new PlatformError(HRESULT.HCS_E_SYSTEM_NOT_FOUND, 'HcsOpenComputeSystem', `compute system ${s.id} not found (it is a job container)`);
  }

  /** Job containers (jobs.ts): lookup, registration and listing of records that are not HCS compute systems. */
  record(id: string): SystemRecord | undefined { return this.systems.get(id); }
  records(): Iterable<SystemRecord> { return this.systems.values(); }
  async register(rec: SystemRecord): Promise<void> {
    this.systems.set(rec.id, rec);
    await this.save();
  }
  basicProperties(filter: (s: SystemRecord) => boolean): PropertiesDoc[] {
    return [...this.systems.values()].filter(filter).map((s) => this.basic(s));
  }

  enumerate(queryText: unknown): PropertiesDoc[] { return enumerateSystems(this.queries, queryText); }

  async start(id: unknown): Promise<void> {
    const op = 'HcsStartComputeSystem';
    const s = this.sys(op, id);
    if (s.state !== 'Created') throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `compute system ${s.id} is ${s.state}`);
    const vm = s.document.HostingSystemId ? this.systems.get(s.document.HostingSystemId) : undefined;
    if (s.document.HostingSystemId && vm?.state !== 'Running') {
      throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `hosting system ${s.document.HostingSystemId} is ${vm?.state ?? 'gone'}`);
    }
    const c = s.document.Container ?? s.document.HostedSystem?.Container;
    // Job containers (HostProcess) run on the host: no namespaces, no private root.
    if (s.job) {
      startJobCgroup(s, this.log, instanceId(this.stateDir));
    } else if (isolationFacts().Enabled && s.root) {
      await this.isolate(s);
    } else {
      if (s.hostName && utsSupported()) await startHolder(s);
      if (s.root) for (const md of [...(c?.MappedDirectories ?? []), ...pipeMappings(op, c)]) materializeMapping(op, s.root, md);
    }
    if ((s.state as string) !== 'Created') {
      await abortStart(s, this.log);
      throw new PlatformError(HRESULT.HCS_E_SYSTEM_ALREADY_STOPPED, op, `compute system ${s.id} was stopped while it was starting`);
    }
    s.state = 'Running';
    s.startedAt = new Date().toISOString();
    await this.save();
    this.vms.watch(s);
  }

  async pause(id: unknown): Promise<void> {
    const op = 'HcsPauseComputeSystem';
    const s = this.sys(op, id);
    checkVmRuns(op, this.systems, s); // a hosted system follows its VM: neither paused nor resumed on its own while it is paused
    if (s.state !== 'Running') throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `compute system ${s.id} is ${s.state}`);
    await pauseSystem(s, this.pgids(s), this.pauseWait, this.log);
    await this.save();
  }

  async resume(id: unknown): Promise<void> {
    const op = 'HcsResumeComputeSystem';
    const s = this.sys(op, id);
    checkVmRuns(op, this.systems, s);
    if (s.state !== 'Paused') throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `compute system ${s.id} is ${s.state}`);
    resumeProcesses(s, this.pgids(s));
    s.state = 'Running';
    await this.save();
  }

  async modify(id: unknown, text: unknown): Promise<void> {
    const op = 'HcsModifyComputeSystem';
    const s = this.sys(op, id);
    const req = parseDoc(ModifySettingRequest, op, text, false);
    if (s.state === 'Stopped') throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `compute system ${s.id} is stopped`);
    if (s.job) {
      try { modifyJob(s, req, this.log); } catch (e) { throw limitsFailure(op, s.id, e); }
    } else if (s.document.VirtualMachine) await applyVmModify(op, s, req);
    // A limit's recorded cgroup found gone is made again with the new limits, a hosted system's VM's before its own.
    else applyModify(op, s, req, { hosting: this.systems.get(s.document.HostingSystemId ?? ''), log: this.log });
    await this.save();
  }

  properties(id: unknown, queryText: unknown): PropertiesDoc {
    const op = 'HcsGetComputeSystemProperties';
    const { props, accounted } = systemProperties(this.queries, op, this.sys(op, id), queryText);
    // Only Statistics keep accounting in the record: other queries cost no write (and no fsync that the next state
    // change would queue behind).
    if (accounted) void this.save();
    return props;
  }
}
