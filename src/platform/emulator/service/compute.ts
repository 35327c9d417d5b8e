/**
 * Compute systems and processes (computecore semantics) on Linux.
 *
 * State machine: Created → Running ⇄ Paused → Stopped. Every process of a system is a real Linux process in its
 * own process group, spawned detached by the service (so it survives its clients). Pause/resume = SIGSTOP/SIGCONT
 * of the system's process groups; shutdown = SIGTERM to them, the system stops (GracefulExit) once they are
 * gone; terminate = SIGKILL (ForcedExit). A running system whose processes all exited keeps running.
 *
 * Exit codes: a normal exit reports its status; a process killed by signal N reports 128+N (as shells do), with
 * LastWaitResult S_OK. A process re-adopted after a service restart (its exit status cannot be collected, it is not
 * our child any more) reports ExitCode 255 and LastWaitResult HCS_E_PROCESS_INFO_NOT_AVAILABLE.
 *
 * Hostname: see uts.ts. Process launch (program resolution, namespaces, environment): see launch.ts. Console
 * processes (EmulateConsole) run on a real pseudo-terminal: see console.ts.
 * Job containers (HostProcess) are records of this emulator too, with a `job` part: see jobs.ts / job-launch.ts.
 * Utility VMs and the systems they host (Hyper-V isolation): see hosting.ts.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { PlatformError, HRESULT } from '../../hresult.js';
import {
  ComputeSystem, ProcessParameters, SignalProcessOptions, ProcessModifyRequest, ModifySettingRequest, PropertyQuery,
  SystemQuery,
  type ProcessParametersDoc, type ProcessStatusDoc, type PropertiesDoc, type SystemExitStatusDoc,
  type ExitTypeDoc, type ContainerDoc,
} from '../../hcs/schema/index.js';
import type { Persister } from './persist.js';
import type { StorageEmulator } from './storage.js';
import { isDirectory } from './paths.js';
import { readStat, isAlive, processesInGroups, processTable } from './procfs.js';
import type { StreamName } from '../protocol.js';
import type { ProcRecord, SystemRecord } from './records.js';
import type { OutRelay, OutAttachInfo, OutAttachOptions } from './relay.js';
import { removeFifos } from './stdio-fifo.js';
import { spawnWithOutput, reopenOutputFifos } from './process-output.js';
import { parseDoc, invalid, checkProcessor, checkDevicesAndPipes } from './documents.js';
import { SIGNALS, exitCodeOf, killGroup } from './signals.js';
import { utsSupported, startHolder } from './uts.js';
import { statistics, processList } from './statistics.js';
import { pathExists, materializeMapping } from './mappings.js';
import { planLaunch } from './launch.js';
import { ptyHelper, consoleLaunch, resizeConsole } from './console.js';
import { planJobLaunch } from './job-launch.js';
import { applyModify } from './modify.js';
import { isolationFacts, holderAlive, programPid } from './isolation.js';
import { isolate, endIsolation, readOom, contWrappers } from './isolate.js';
import { checkHosting, hostedOf, sumStatistics } from './hosting.js';

export type { ProcRecord } from './records.js';

interface LiveProc {
  child?: ChildProcess;
  out?: OutRelay;
  err?: OutRelay;
  stdinAttached?: boolean;
  /** Control pipe of the pty helper of a console process (ConsoleSize). */
  console?: Writable;
  waiters: ((s: ProcessStatusDoc) => void)[];
  poll?: NodeJS.Timeout;
}

export type ComputeEventSink = (systemId: string, event: 'SystemExited' | 'ProcessExited', data: unknown, pid?: number) => void;

export class ComputeEmulator {
  private systems = new Map<string, SystemRecord>();
  private live = new Map<string, LiveProc>(); // `${systemId}/${pid}`
  private systemWaiters = new Map<string, ((s: SystemExitStatusDoc) => void)[]>();
  private handles = new Map<string, number>();
  private shutdownPolls = new Map<string, NodeJS.Timeout>();
  private readonly hostPath = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  /** The Linux network namespace of an HNS namespace GUID, when the network emulator builds real networking. */
  netnsOf: (namespaceGuid: string) => string | undefined = () => undefined;
  /** Refuses a ContainerCredentialGuard that names no live credential guard instance (credential-guard.ts). */
  checkCredentialGuard: (op: string, state: ContainerDoc['ContainerCredentialGuard'], path: string) => void = () => undefined;

  constructor(
    private readonly stateDir: string,
    private readonly persist: Persister,
    private readonly storage: StorageEmulator,
    private readonly emit: ComputeEventSink,
    private readonly log: (msg: string) => void,
  ) {}

  private save(): Promise<void> {
    return this.persist.save('systems', () => [...this.systems.values()]);
  }

  // ---- persistence / re-adoption -----------------------------------------------------------------------------

  async load(): Promise<void> {
    const recs = await this.persist.load<SystemRecord[]>('systems');
    for (const r of recs ?? []) {
      this.systems.set(r.id, r);
      for (const p of r.processes) {
        if (p.exited) continue;
        const st = readStat(p.pid);
        if (st && st.starttime === p.startTicks && st.state !== 'Z') {
          this.log(`re-adopted process ${p.pid} of ${r.id}`);
          this.reopenFifos(r, p);
          this.adoptPoll(r, p);
        } else {
          this.markExited(r, p, 255, HRESULT.HCS_E_PROCESS_INFO_NOT_AVAILABLE | 0);
        }
      }
      if ((r.state === 'Running' || r.state === 'Paused') && r.isolation) {
        if (!r.holder || !holderAlive(r.holder)) {
          // The namespaces are gone with their holder (and every process in them): build them again.
          endIsolation(r, this.log);
          await this.isolate(r).catch((e) => this.log(`isolation of ${r.id}: ${(e as Error).message}`));
        }
      } else if ((r.state === 'Running' || r.state === 'Paused') && r.holder) {
        const st = readStat(r.holder.pid);
        if (!st || st.starttime !== r.holder.startTicks) {
          r.holder = undefined;
          if (r.hostName) await startHolder(r).catch((e) => this.log(`hostname holder for ${r.id}: ${(e as Error).message}`));
        }
      }
      if (r.shuttingDown && r.state !== 'Stopped') this.watchShutdown(r);
      if (r.state === 'Stopped') setTimeout(() => this.maybeForget(r.id), 30_000).unref();
    }
    await this.save();
  }

  /** After a service restart: read on from the output FIFOs of a re-adopted process (what it wrote meanwhile). */
  private reopenFifos(sys: SystemRecord, p: ProcRecord): void {
    const lp = this.liveOf(sys.id, p.pid);
    Object.assign(lp, reopenOutputFifos(p.fifos, (m) => this.log(`process ${p.pid} in ${sys.id}: ${m}`)));
  }

  private adoptPoll(sys: SystemRecord, p: ProcRecord): void {
    const lp = this.liveOf(sys.id, p.pid);
    lp.poll = setInterval(() => {
      const st = readStat(p.pid);
      if (!st || st.starttime !== p.startTicks || st.state === 'Z') {
        clearInterval(lp.poll);
        this.markExited(sys, p, 255, HRESULT.HCS_E_PROCESS_INFO_NOT_AVAILABLE | 0);
      }
    }, 250);
  }

  private liveOf(systemId: string, pid: number): LiveProc {
    const k = `${systemId}/${pid}`;
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
  private maybeForget(id: string): void {
    const sys = this.systems.get(id);
    if (!sys || sys.state !== 'Stopped' || (this.handles.get(id) ?? 0) > 0) return;
    this.systems.delete(id);
    for (const p of sys.processes) {
      const lp = this.live.get(`${id}/${p.pid}`);
      if (lp?.poll) clearInterval(lp.poll);
      removeFifos(p.fifos);
      this.live.delete(`${id}/${p.pid}`);
    }
    void this.save();
  }

  private sys(op: string, id: unknown): SystemRecord {
    if (typeof id !== 'string' || id === '') throw new PlatformError(HRESULT.E_INVALIDARG, op, 'id is required');
    const s = this.systems.get(id);
    if (!s) throw new PlatformError(HRESULT.HCS_E_SYSTEM_NOT_FOUND, op, `compute system ${id} not found`);
    return s;
  }

  // ---- systems ----------------------------------------------------------------------------------------------

  async create(id: unknown, text: unknown): Promise<void> {
    const op = 'HcsCreateComputeSystem';
    if (typeof id !== 'string' || id === '') throw new PlatformError(HRESULT.E_INVALIDARG, op, 'id is required');
    const doc = parseDoc(ComputeSystem, op, text, false);
    const kinds = (['Container', 'VirtualMachine', 'HostedSystem'] as const).filter((k) => doc[k] !== undefined && doc[k] !== null);
    if (kinds.length !== 1) {
      throw invalid(op, '<document>', kinds.length === 0 ? 'one of Container, VirtualMachine, HostedSystem is required'
        : `${kinds.join(', ')} are mutually exclusive`);
    }
    const container: ContainerDoc | undefined = doc.Container ?? doc.HostedSystem?.Container;
    checkProcessor(op, container?.Processor, doc.Container ? 'Container.Processor' : 'HostedSystem.Container.Processor');
    checkDevicesAndPipes(op, container, doc.Container ? 'Container' : 'HostedSystem.Container');
    this.checkCredentialGuard(op, container?.ContainerCredentialGuard, doc.Container ? 'Container.ContainerCredentialGuard' : 'HostedSystem.Container.ContainerCredentialGuard');
    if (this.systems.has(id)) throw new PlatformError(HRESULT.HCS_E_SYSTEM_ALREADY_EXISTS, op, `compute system ${id} already exists`);
    if (doc.HostingSystemId && !this.systems.has(doc.HostingSystemId)) {
      throw new PlatformError(HRESULT.HCS_E_SYSTEM_NOT_FOUND, op, `hosting system ${doc.HostingSystemId} not found`);
    }
    checkHosting(op, doc, doc.HostingSystemId ? this.systems.get(doc.HostingSystemId) : undefined);
    let root: string;
    const sp = container?.Storage?.Path;
    if (sp) {
      root = this.storage.resolveStoragePath(op, sp);
      if (!isDirectory(root)) throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, op, `storage root ${root} does not exist`);
    } else {
      // No storage (e.g. a utility VM or a test container): a private empty directory stands in for C:\.
      root = join(this.stateDir, 'roots', encodeURIComponent(id));
      mkdirSync(root, { recursive: true });
    }
    for (const [i, md] of (container?.MappedDirectories ?? []).entries()) {
      if (md.HostPath && !pathExists(md.HostPath)) {
        throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, op, `MappedDirectories[${i}].HostPath ${md.HostPath} does not exist`);
      }
    }
    const rec: SystemRecord = {
      id, document: doc, state: 'Created', root, hostName: container?.GuestOs?.HostName,
      createdAt: new Date().toISOString(), processes: [],
    };
    this.systems.set(id, rec);
    await this.save();
  }

  open(id: unknown): void {
    const s = this.sys('HcsOpenComputeSystem', id);
    if (s.job) throw new PlatformError(HRESULT.HCS_E_SYSTEM_NOT_FOUND, 'HcsOpenComputeSystem', `compute system ${s.id} not found (it is a job container)`);
  }

  /** Job containers (jobs.ts): lookup, registration and listing of records that are not HCS compute systems. */
  record(id: string): SystemRecord | undefined { return this.systems.get(id); }
  async register(rec: SystemRecord): Promise<void> {
    this.systems.set(rec.id, rec);
    await this.save();
  }
  basicProperties(filter: (s: SystemRecord) => boolean): PropertiesDoc[] {
    return [...this.systems.values()].filter(filter).map((s) => this.basic(s));
  }

  enumerate(queryText: unknown): PropertiesDoc[] {
    const q = parseDoc(SystemQuery, 'HcsEnumerateComputeSystems', queryText, true);
    return [...this.systems.values()].filter((s) => {
      if (s.job) return false;
      const b = this.basic(s);
      if (q.Ids && q.Ids.length && !q.Ids.includes(s.id)) return false;
      if (q.Names && q.Names.length && !q.Names.includes(s.id)) return false;
      if (q.Types && q.Types.length && !q.Types.includes(b.SystemType!)) return false;
      if (q.Owners && q.Owners.length && !q.Owners.includes(b.Owner ?? '')) return false;
      return true;
    }).map((s) => this.basic(s));
  }

  private basic(s: SystemRecord): PropertiesDoc {
    const p: PropertiesDoc = {
      Id: s.id, Name: s.id, SystemType: s.document.VirtualMachine ? 'VirtualMachine' : 'Container',
      RuntimeOsType: 'windows', State: s.state, Stopped: s.state === 'Stopped',
    };
    if (s.document.Owner) p.Owner = s.document.Owner;
    if (s.document.HostingSystemId) p.HostingSystemId = s.document.HostingSystemId;
    if (s.state === 'Stopped') p.ExitType = s.exitType ?? 'None';
    return p;
  }

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
    if (isolationFacts().Enabled && s.root && !s.job) {
      await this.isolate(s);
    } else {
      if (s.hostName && utsSupported()) await startHolder(s);
      if (s.root) for (const md of c?.MappedDirectories ?? []) materializeMapping(op, s.root, md);
    }
    s.state = 'Running';
    s.startedAt = new Date().toISOString();
    await this.save();
  }

  private pgids(s: SystemRecord): Set<number> {
    const exited = s.processes.filter((p) => p.exited);
    // Exited group leaders still count while a member of their group lives (one shared /proc scan for all).
    const liveGroups = exited.length > 0 ? new Set(processTable().map((st) => st.pgrp)) : new Set<number>();
    return new Set(s.processes.filter((p) => !p.exited || liveGroups.has(p.pid) || isAlive(p.pid)).map((p) => p.pid));
  }

  async pause(id: unknown): Promise<void> {
    const op = 'HcsPauseComputeSystem';
    const s = this.sys(op, id);
    if (s.state !== 'Running') throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `compute system ${s.id} is ${s.state}`);
    for (const g of this.pgids(s)) killGroup(g, 'SIGSTOP');
    s.state = 'Paused';
    await this.save();
  }

  async resume(id: unknown): Promise<void> {
    const op = 'HcsResumeComputeSystem';
    const s = this.sys(op, id);
    if (s.state !== 'Paused') throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `compute system ${s.id} is ${s.state}`);
    for (const g of this.pgids(s)) killGroup(g, 'SIGCONT');
    contWrappers(s);
    s.state = 'Running';
    await this.save();
  }

  /** Graceful: SIGTERM to every process group; the system stops (GracefulExit) once they are gone. */
  async shutdown(id: unknown): Promise<void> {
    const op = 'HcsShutDownComputeSystem';
    const s = this.sys(op, id);
    if (s.state === 'Stopped') throw new PlatformError(HRESULT.HCS_E_SYSTEM_ALREADY_STOPPED, op, `compute system ${s.id} is stopped`);
    if (s.state === 'Created') { await this.stopped(s, 'GracefulExit'); return; }
    const wasPaused = s.state === 'Paused';
    s.shuttingDown = true;
    // A utility VM shuts down what it hosts first; it stops once they have stopped (watchShutdown).
    for (const h of hostedOf(this.systems.values(), s)) await this.shutdown(h.id).catch(() => undefined);
    for (const g of this.pgids(s)) {
      killGroup(g, 'SIGTERM');
      if (wasPaused) killGroup(g, 'SIGCONT');
    }
    if (wasPaused) contWrappers(s);
    if (wasPaused) s.state = 'Running';
    await this.save();
    this.watchShutdown(s);
  }

  private watchShutdown(s: SystemRecord): void {
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
    await this.killAll(s);
    await this.stopped(s, 'ForcedExit');
  }

  private async killAll(s: SystemRecord): Promise<void> {
    const groups = this.pgids(s);
    const deadline = Date.now() + 5000;
    for (;;) {
      for (const g of groups) { killGroup(g, 'SIGKILL'); killGroup(g, 'SIGCONT'); }
      contWrappers(s);
      // Let child 'exit' events run before looking again; the scan is shared with other systems' polls.
      await new Promise((r) => setTimeout(r, 10));
      const left = processesInGroups(groups).length;
      const unreaped = s.processes.some((p) => !p.exited && this.live.get(`${s.id}/${p.pid}`)?.child);
      if ((left === 0 && !unreaped) || Date.now() > deadline) break;
    }
  }

  private async stopped(s: SystemRecord, exitType: ExitTypeDoc): Promise<void> {
    if (s.state === 'Stopped') return;
    // The processes of a VM's hosted systems end with it: they stop (forced) before it does.
    for (const h of hostedOf(this.systems.values(), s)) await this.terminate(h.id).catch(() => undefined);
    if ((s.state as string) === 'Stopped') return; // stopped meanwhile
    s.state = 'Stopped';
    s.exitType = exitType;
    s.shuttingDown = false;
    if (s.isolation) endIsolation(s, this.log);
    else if (s.holder) { try { process.kill(s.holder.pid, 'SIGKILL'); } catch { /* gone */ } s.holder = undefined; }
    // Processes that escaped the process groups' fate are reported as exited with the unknown status.
    for (const p of s.processes) {
      if (p.exited) continue;
      const lp = this.live.get(`${s.id}/${p.pid}`);
      if (lp?.child) continue; // its 'exit' event will report the real status
      this.markExited(s, p, 255, HRESULT.HCS_E_PROCESS_INFO_NOT_AVAILABLE | 0);
    }
    const status: SystemExitStatusDoc = { Status: 0, ExitType: exitType };
    await this.save();
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

  async modify(id: unknown, text: unknown): Promise<void> {
    const op = 'HcsModifyComputeSystem';
    const s = this.sys(op, id);
    const req = parseDoc(ModifySettingRequest, op, text, false);
    if (s.state === 'Stopped') throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `compute system ${s.id} is stopped`);
    if (s.job) throw new PlatformError(HRESULT.E_NOTIMPL, op, `${s.id} is a job container; it takes no HCS modify requests`);
    applyModify(op, s, req);
    await this.save();
  }

  properties(id: unknown, queryText: unknown): PropertiesDoc {
    const op = 'HcsGetComputeSystemProperties';
    const s = this.sys(op, id);
    const q = parseDoc(PropertyQuery, op, queryText, true);
    const p = this.basic(s);
    const types = new Set(q.PropertyTypes ?? []);
    if (types.has('Statistics')) {
      p.Statistics = statistics(s, this.pgids(s));
      if (s.document.VirtualMachine) {
        const inside = [...this.systems.values()].filter((h) => h.document.HostingSystemId === s.id);
        p.Statistics = sumStatistics(p.Statistics, inside.map((h) => statistics(h, this.pgids(h))));
      }
      readOom(s);
      if (s.oomKills) p.OomKillCount = s.oomKills;
    }
    if (types.has('ProcessList')) p.ProcessList = processList(s, this.pgids(s));
    if (types.has('TerminateOnLastHandleClosed')) p.TerminateOnLastHandleClosed = !!s.document.ShouldTerminateOnLastHandleClosed;
    void this.save();
    return p;
  }

  // ---- processes --------------------------------------------------------------------------------------------

  async createProcess(id: unknown, text: unknown): Promise<{ pid: number; streams: ProcRecord['streams'] }> {
    const op = 'HcsCreateProcess';
    const s = this.sys(op, id);
    const params: ProcessParametersDoc = parseDoc(ProcessParameters, op, text, false);
    if (s.state !== 'Running') throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `compute system ${s.id} is ${s.state}`);
    const plan = s.job
      ? planJobLaunch(op, s, params, this.hostPath)
      : planLaunch(op, s, params, { hostPath: this.hostPath, netns: this.netnsOf });
    const { cwd, env, streams, console } = plan;
    // A console process runs on a pseudo-terminal (console.ts): the helper's own errors go to stdout as well.
    const { file, args, argv0 } = console
      ? { ...consoleLaunch(await ptyHelper(op, this.stateDir), plan, params.ConsoleSize), argv0: undefined }
      : plan;
    // Output goes through FIFOs that survive the service (process-output.ts).
    const { child, out, err, fifos } = await spawnWithOutput(op, this.stateDir,
      { file, args, argv0, cwd, env, streams, errTarget: plan.errTarget, console }, params.CommandLine ?? '');
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    child.once('exit', (code, signal) => { exit = { code, signal }; });
    child.stdin?.on('error', () => undefined);
    let pid = child.pid!;
    let wrapper: ProcRecord['wrapper'];
    if (plan.isolated) {
      // nsenter forked the program into the system's PID namespace: record the program (its own process group).
      const wst = readStat(pid);
      const prog = await programPid(pid, () => exit !== undefined);
      if (prog) { wrapper = { pid, startTicks: wst?.starttime ?? 0 }; pid = prog; }
    }
    const st = readStat(pid);
    const rec: ProcRecord = { pid, startTicks: st?.starttime ?? 0, commandLine: params.CommandLine ?? '', exited: false, streams,
      ...(wrapper ? { wrapper } : {}), ...(fifos ? { fifos } : {}) };
    s.processes.push(rec);
    const lp = this.liveOf(s.id, pid);
    lp.child = child;
    lp.out = out;
    lp.err = err;
    if (console) {
      lp.console = child.stdio[3] as Writable;
      lp.console.on('error', () => undefined);
    }
    const onExit = (e: NonNullable<typeof exit>) => {
      lp.child = undefined;
      lp.console?.destroy();
      lp.console = undefined;
      readOom(s);
      this.markExited(s, rec, exitCodeOf(e.code, e.signal), 0);
    };
    if (exit) onExit(exit); else child.once('exit', (code, signal) => onExit({ code, signal }));
    await this.save();
    this.log(`process ${pid} created in ${s.id}: ${params.CommandLine ?? ""}`);
    return { pid, streams };
  }

  private markExited(s: SystemRecord, p: ProcRecord, exitCode: number, lastWaitResult: number): void {
    if (p.exited) return;
    p.exited = true;
    p.exitCode = exitCode >>> 0;
    p.lastWaitResult = lastWaitResult;
    const status = this.statusOf(p);
    // Persist before anyone can observe the exit, so an observed status survives a service crash.
    void this.save().then(() => {
      this.emit(s.id, 'ProcessExited', status, p.pid);
      const lp = this.live.get(`${s.id}/${p.pid}`);
      if (lp) { for (const w of lp.waiters) w(status); lp.waiters = []; }
    });
  }

  private statusOf(p: ProcRecord): ProcessStatusDoc {
    if (!p.exited) return { ProcessId: p.pid, Exited: false };
    return { ProcessId: p.pid, Exited: true, ExitCode: p.exitCode ?? 255, LastWaitResult: p.lastWaitResult ?? 0 };
  }

  private proc(op: string, id: unknown, pid: unknown): { s: SystemRecord; p: ProcRecord } {
    const s = this.sys(op, id);
    const p = s.processes.find((x) => x.pid === pid);
    if (!p) throw new PlatformError(HRESULT.ERROR_NOT_FOUND, op, `process ${String(pid)} not found in ${s.id}`);
    return { s, p };
  }

  openProcess(id: unknown, pid: unknown): ProcessStatusDoc {
    const { p } = this.proc('HcsOpenProcess', id, pid);
    return this.statusOf(p);
  }

  async signalProcess(id: unknown, pid: unknown, text: unknown): Promise<void> {
    const op = 'HcsSignalProcess';
    const { p } = this.proc(op, id, pid);
    const o = parseDoc(SignalProcessOptions, op, text, true);
    if (p.exited) throw new PlatformError(HRESULT.HCS_E_PROCESS_ALREADY_STOPPED, op, `process ${p.pid} has exited`);
    if (!o.Signal) throw new PlatformError(HRESULT.E_INVALIDARG, op, 'Signal is required');
    killGroup(p.pid, SIGNALS[o.Signal]!);
  }

  async terminateProcess(id: unknown, pid: unknown): Promise<void> {
    const op = 'HcsTerminateProcess';
    const { s, p } = this.proc(op, id, pid);
    if (p.exited) throw new PlatformError(HRESULT.HCS_E_PROCESS_ALREADY_STOPPED, op, `process ${p.pid} has exited`);
    killGroup(p.pid, 'SIGKILL');
    killGroup(p.pid, 'SIGCONT');
    void s;
  }

  async processProperties(id: unknown, pid: unknown): Promise<ProcessStatusDoc> {
    const { p } = this.proc('HcsGetProcessProperties', id, pid);
    if (p.exited) await this.persist.flush(); // an observed exit is durable
    return this.statusOf(p);
  }

  async modifyProcess(id: unknown, pid: unknown, text: unknown): Promise<void> {
    const op = 'HcsModifyProcess';
    const { s, p } = this.proc(op, id, pid);
    const req = parseDoc(ProcessModifyRequest, op, text, false);
    if (p.exited) throw new PlatformError(HRESULT.HCS_E_PROCESS_ALREADY_STOPPED, op, `process ${p.pid} has exited`);
    const lp = this.live.get(`${s.id}/${p.pid}`);
    if (req.Operation === 'CloseHandle') {
      const h = req.CloseHandle?.Handle;
      if (!h) throw invalid(op, 'CloseHandle.Handle', 'required');
      if (h === 'StdIn' || h === 'All') lp?.child?.stdin?.end();
      if (h === 'StdOut' || h === 'All') lp?.out?.close();
      if (h === 'StdErr' || h === 'All') lp?.err?.close();
    } else if (req.Operation === 'ConsoleSize') {
      if (!req.ConsoleSize) throw invalid(op, 'ConsoleSize', 'required');
      // Resizes the process's pseudo-terminal; a process without a console (or re-adopted after a service
      // restart, its terminal relay no longer reachable) accepts the size with no effect, as HCS does.
      resizeConsole(lp?.console, req.ConsoleSize.Height ?? 0, req.ConsoleSize.Width ?? 0);
    } else {
      throw invalid(op, 'Operation', 'required');
    }
  }

  waitProcess(id: unknown, pid: unknown): Promise<ProcessStatusDoc> {
    const { s, p } = this.proc('HcsWaitForProcessExit', id, pid);
    if (p.exited) return this.persist.flush().then(() => this.statusOf(p));
    return new Promise((res) => this.liveOf(s.id, p.pid).waiters.push(res));
  }

  /** Connects an attachment socket to a process's stdio pipe. */
  attach(id: unknown, pid: unknown, stream: StreamName, sock: Socket, ready: (info?: OutAttachInfo) => void, opts: OutAttachOptions = {}): void {
    const op = 'AttachStdio';
    const { s, p } = this.proc(op, id, pid);
    if (!p.streams[stream]) throw new PlatformError(HRESULT.E_INVALIDARG, op, `process ${p.pid} has no ${stream} pipe`);
    const lp = this.live.get(`${s.id}/${p.pid}`);
    if (stream === 'stdin') {
      const w = lp?.child?.stdin;
      if (!w && !p.exited) throw new PlatformError(HRESULT.HCS_E_PROCESS_INFO_NOT_AVAILABLE, op, `stdin of process ${p.pid} is not available`);
      if (lp?.stdinAttached) throw new PlatformError(HRESULT.E_ACCESSDENIED, op, `stdin of process ${p.pid} is already attached`);
      ready();
      if (!w || w.writableEnded || w.destroyed) { sock.end(); return; }
      lp!.stdinAttached = true;
      sock.pipe(w, { end: true });
      sock.on('close', () => { lp!.stdinAttached = false; if (!w.writableEnded) w.end(); });
      w.once('close', () => { if (!sock.destroyed) sock.end(); });
      sock.on('error', () => undefined);
      return;
    }
    const relay = stream === 'stdout' ? lp?.out : lp?.err;
    if (!relay) throw new PlatformError(HRESULT.HCS_E_PROCESS_INFO_NOT_AVAILABLE, op, `${stream} of process ${p.pid} is not available (service restarted?)`);
    if (relay.attached) throw new PlatformError(HRESULT.E_ACCESSDENIED, op, `${stream} of process ${p.pid} is already attached`);
    relay.attach(sock, opts, ready);
  }

  private isolate(s: SystemRecord): Promise<void> {
    const hosting = s.document.HostingSystemId ? this.systems.get(s.document.HostingSystemId) : undefined;
    return isolate(s, hosting, this.netnsOf, this.log);
  }

  /** Terminates every system (used when the service is asked to stop). */
  async terminateAll(): Promise<void> {
    for (const s of [...this.systems.values()]) {
      if (s.state !== 'Stopped') await this.terminate(s.id).catch(() => undefined);
    }
  }
}

