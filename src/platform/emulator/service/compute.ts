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
 * Hostname: when the service runs as root (and `unshare --uts` works) each started system gets a UTS namespace,
 * held by a `sleep` process created with `unshare --uts` that sets GuestOs.HostName; processes enter it with
 * `nsenter --uts=/proc/<holder>/ns/uts` (nsenter execs the program, so the pid is the program's).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readlinkSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { constants as osConstants } from 'node:os';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { PlatformError, HRESULT } from '../../hresult.js';
import { validate, type Schema } from '../../schema.js';
import {
  ComputeSystem, ProcessParameters, SignalProcessOptions, ProcessModifyRequest, ModifySettingRequest, PropertyQuery,
  SystemQuery, Processor, MappedDirectory,
  type ComputeSystemDoc, type ProcessParametersDoc, type ProcessStatusDoc, type PropertiesDoc, type SystemExitStatusDoc,
  type StateDoc, type ExitTypeDoc, type StatisticsDoc, type ProcessDetailsDoc, type ContainerDoc, type ProcessorDoc,
  type MappedDirectoryDoc,
} from '../../hcs/schema/index.js';
import { splitCommandLine } from '../../hcs/document/cmdline.js';
import type { Persister } from './persist.js';
import type { StorageEmulator } from './storage.js';
import { mapPath, resolveProgram, isDirectory, windowsPathEntries } from './paths.js';
import { readStat, isAlive, processesInGroups, processTable, startTimeMs, readStatus, readIo, TICK_100NS } from './procfs.js';
import type { StreamName } from '../protocol.js';

export interface ProcRecord {
  pid: number;
  startTicks: number;
  commandLine: string;
  exited: boolean;
  exitCode?: number;
  lastWaitResult?: number;
  streams: { stdin: boolean; stdout: boolean; stderr: boolean };
}

interface SystemRecord {
  id: string;
  document: ComputeSystemDoc;
  state: StateDoc;
  exitType?: ExitTypeDoc;
  root?: string;
  hostName?: string;
  holder?: { pid: number; startTicks: number };
  createdAt: string;
  startedAt?: string;
  shuttingDown?: boolean;
  processes: ProcRecord[];
  /** Accounting of CPU / IO per pid ever seen, so statistics stay monotonic after processes exit. */
  acct?: Record<string, { u: number; k: number; rOps: number; wOps: number; rB: number; wB: number }>;
  peakCommit?: number;
}

/** Relays child output (one or two sources: EmulateConsole merges stderr into stdout) to one attachment. */
class OutRelay {
  private sink?: Socket;
  private ended = 0;
  constructor(private readonly sources: Readable[]) {
    for (const s of sources) {
      s.on('data', (chunk: Buffer) => {
        if (!this.sink || this.sink.destroyed) { s.pause(); s.unshift(chunk); return; }
        if (!this.sink.write(chunk)) {
          for (const x of this.sources) x.pause();
          this.sink.once('drain', () => { if (this.sink) for (const x of this.sources) x.resume(); });
        }
      });
      s.on('end', () => { if (++this.ended === this.sources.length) this.sink?.end(); });
      s.on('error', () => undefined);
      s.pause();
    }
  }
  get attached(): boolean { return !!this.sink && !this.sink.destroyed; }
  attach(sock: Socket): void {
    this.sink = sock;
    const detach = () => { if (this.sink === sock) { this.sink = undefined; for (const x of this.sources) x.pause(); } };
    sock.on('close', detach);
    sock.on('error', detach);
    // The client never writes on an output attachment: its EOF means it went away (the socket is half-open
    // server-side), so stop relaying into it and keep the bytes in the pipe for the next attachment.
    sock.on('end', () => { detach(); sock.destroy(); });
    sock.resume();
    if (this.ended === this.sources.length) { sock.end(); return; }
    for (const x of this.sources) x.resume();
  }
  close(): void { for (const s of this.sources) s.destroy(); this.sink?.end(); }
}

interface LiveProc {
  child?: ChildProcess;
  out?: OutRelay;
  err?: OutRelay;
  stdinAttached?: boolean;
  waiters: ((s: ProcessStatusDoc) => void)[];
  poll?: NodeJS.Timeout;
}

export type ComputeEventSink = (systemId: string, event: 'SystemExited' | 'ProcessExited', data: unknown, pid?: number) => void;

function parseDoc<T>(schema: Schema<T>, op: string, text: unknown, emptyOk: boolean): T {
  let doc: unknown = text;
  if (typeof text === 'string') {
    if (text.trim() === '') {
      if (!emptyOk) throw new PlatformError(HRESULT.HCS_E_INVALID_JSON, op, 'empty document');
      doc = {};
    } else {
      try { doc = JSON.parse(text); } catch (e) {
        throw new PlatformError(HRESULT.HCS_E_INVALID_JSON, op, `not valid JSON: ${(e as Error).message}`,
          { Error: HRESULT.HCS_E_INVALID_JSON | 0, ErrorMessage: (e as Error).message });
      }
    }
  }
  if (doc === undefined || doc === null) {
    if (!emptyOk) throw new PlatformError(HRESULT.HCS_E_INVALID_JSON, op, 'missing document');
    doc = {};
  }
  const r = validate(schema, doc);
  if (!r.ok) {
    throw new PlatformError(HRESULT.HCS_E_INVALID_JSON, op, `${r.problem.path}: ${r.problem.message}`,
      { Error: HRESULT.HCS_E_INVALID_JSON | 0, ErrorMessage: `${r.problem.path}: ${r.problem.message}`, Path: r.problem.path });
  }
  return r.value;
}

function invalid(op: string, path: string, message: string): PlatformError {
  return new PlatformError(HRESULT.HCS_E_INVALID_JSON, op, `${path}: ${message}`,
    { Error: HRESULT.HCS_E_INVALID_JSON | 0, ErrorMessage: `${path}: ${message}`, Path: path });
}

function checkProcessor(op: string, p: ProcessorDoc | undefined, path: string): void {
  if (!p) return;
  const set = (['Count', 'Maximum', 'Weight'] as const).filter((k) => p[k] !== undefined && p[k] !== null && p[k] !== 0);
  if (set.length > 1) throw invalid(op, path, `Processor ${set.join(', ')} are mutually exclusive`);
  if (p.Maximum !== undefined && (p.Maximum < 0 || p.Maximum > 10000)) throw invalid(op, `${path}.Maximum`, 'must be within 0..10000');
  if (p.Weight !== undefined && (p.Weight < 0 || p.Weight > 10000)) throw invalid(op, `${path}.Weight`, 'must be within 0..10000');
  if (p.Count !== undefined && p.Count < 0) throw invalid(op, `${path}.Count`, 'must not be negative');
}

const SIGNALS: Record<string, NodeJS.Signals> = {
  CtrlC: 'SIGINT', CtrlBreak: 'SIGQUIT', CtrlClose: 'SIGTERM', CtrlLogOff: 'SIGTERM', CtrlShutdown: 'SIGTERM',
};

function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal ? (osConstants.signals as Record<string, number>)[signal] : undefined;
  return 128 + (n ?? 0);
}

function killGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    // A process spawned a moment ago may not have called setsid yet, so its group does not exist: signal the
    // leader itself (delivered when it unblocks signals before exec) — only if it is still our own child, so a
    // recycled pid is never hit.
    if (readStat(pgid)?.ppid === process.pid) {
      try { process.kill(pgid, sig); } catch { /* gone */ }
    }
  }
}

let utsSupport: boolean | undefined;
function utsSupported(): boolean {
  if (utsSupport === undefined) {
    utsSupport = process.getuid?.() === 0 && spawnSync('unshare', ['--uts', 'true'], { stdio: 'ignore' }).status === 0
      && spawnSync('nsenter', ['--version'], { stdio: 'ignore' }).status === 0;
  }
  return utsSupport;
}

export class ComputeEmulator {
  private systems = new Map<string, SystemRecord>();
  private live = new Map<string, LiveProc>(); // `${systemId}/${pid}`
  private systemWaiters = new Map<string, ((s: SystemExitStatusDoc) => void)[]>();
  private handles = new Map<string, number>();
  private shutdownPolls = new Map<string, NodeJS.Timeout>();
  private readonly hostPath = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  /** The Linux network namespace of an HNS namespace GUID, when the network emulator builds real networking. */
  netnsOf: (namespaceGuid: string) => string | undefined = () => undefined;

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
          this.adoptPoll(r, p);
        } else {
          this.markExited(r, p, 255, HRESULT.HCS_E_PROCESS_INFO_NOT_AVAILABLE | 0);
        }
      }
      if ((r.state === 'Running' || r.state === 'Paused') && r.holder) {
        const st = readStat(r.holder.pid);
        if (!st || st.starttime !== r.holder.startTicks) {
          r.holder = undefined;
          if (r.hostName) await this.startHolder(r).catch((e) => this.log(`hostname holder for ${r.id}: ${(e as Error).message}`));
        }
      }
      if (r.shuttingDown && r.state !== 'Stopped') this.watchShutdown(r);
      if (r.state === 'Stopped') setTimeout(() => this.maybeForget(r.id), 30_000).unref();
    }
    await this.save();
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
    if (this.systems.has(id)) throw new PlatformError(HRESULT.HCS_E_SYSTEM_ALREADY_EXISTS, op, `compute system ${id} already exists`);
    if (doc.HostingSystemId && !this.systems.has(doc.HostingSystemId)) {
      throw new PlatformError(HRESULT.HCS_E_SYSTEM_NOT_FOUND, op, `hosting system ${doc.HostingSystemId} not found`);
    }
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

  open(id: unknown): void { this.sys('HcsOpenComputeSystem', id); }

  enumerate(queryText: unknown): PropertiesDoc[] {
    const q = parseDoc(SystemQuery, 'HcsEnumerateComputeSystems', queryText, true);
    return [...this.systems.values()].filter((s) => {
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
    if (s.hostName && utsSupported()) await this.startHolder(s);
    const c = s.document.Container ?? s.document.HostedSystem?.Container;
    if (s.root) for (const md of c?.MappedDirectories ?? []) materializeMapping(op, s.root, md);
    s.state = 'Running';
    s.startedAt = new Date().toISOString();
    await this.save();
  }

  private async startHolder(s: SystemRecord): Promise<void> {
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
    for (const g of this.pgids(s)) {
      killGroup(g, 'SIGTERM');
      if (wasPaused) killGroup(g, 'SIGCONT');
    }
    if (wasPaused) s.state = 'Running';
    await this.save();
    this.watchShutdown(s);
  }

  private watchShutdown(s: SystemRecord): void {
    if (this.shutdownPolls.has(s.id)) return;
    const check = () => {
      if (s.state === 'Stopped') { clearInterval(t); this.shutdownPolls.delete(s.id); return; }
      if (processesInGroups(this.pgids(s)).length === 0 && s.processes.every((p) => p.exited || !isAlive(p.pid))) {
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
      // Let child 'exit' events run before looking again; the scan is shared with other systems' polls.
      await new Promise((r) => setTimeout(r, 10));
      const left = processesInGroups(groups).length;
      const unreaped = s.processes.some((p) => !p.exited && this.live.get(`${s.id}/${p.pid}`)?.child);
      if ((left === 0 && !unreaped) || Date.now() > deadline) break;
    }
  }

  private async stopped(s: SystemRecord, exitType: ExitTypeDoc): Promise<void> {
    if (s.state === 'Stopped') return;
    s.state = 'Stopped';
    s.exitType = exitType;
    s.shuttingDown = false;
    if (s.holder) { try { process.kill(s.holder.pid, 'SIGKILL'); } catch { /* gone */ } s.holder = undefined; }
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
    const c = s.document.Container ?? s.document.HostedSystem?.Container;
    if (!c) throw new PlatformError(HRESULT.E_INVALIDARG, op, 'only container settings can be modified');
    const path = (req.ResourcePath ?? '').replace(/^\/+/, '');
    switch (path) {
      case 'Container/Memory/SizeInMB': {
        if (typeof req.Settings !== 'number' || !Number.isInteger(req.Settings) || req.Settings < 0) throw invalid(op, 'Settings', 'expected uint64');
        c.Memory = { ...(c.Memory ?? {}), SizeInMB: req.Settings };
        break;
      }
      case 'Container/Processor': {
        const r = validate(Processor, req.Settings);
        if (!r.ok) throw invalid(op, `Settings${r.problem.path === '<document>' ? '' : '.' + r.problem.path}`, r.problem.message);
        checkProcessor(op, r.value, 'Settings');
        c.Processor = r.value;
        break;
      }
      case 'Container/MappedDirectories': {
        const r = validate(MappedDirectory, req.Settings);
        if (!r.ok) throw invalid(op, 'Settings', r.problem.message);
        const md: MappedDirectoryDoc = r.value;
        const list = c.MappedDirectories ?? (c.MappedDirectories = []);
        if (req.RequestType === 'Add') {
          if (md.HostPath && !pathExists(md.HostPath)) throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, op, `${md.HostPath} does not exist`);
          if (s.state === 'Running' && s.root) materializeMapping(op, s.root, md);
          list.push(md);
        } else if (req.RequestType === 'Remove') {
          const i = list.findIndex((x) => x.ContainerPath === md.ContainerPath);
          if (i < 0) throw new PlatformError(HRESULT.ERROR_NOT_FOUND, op, `${md.ContainerPath ?? ''} is not mapped`);
          list.splice(i, 1);
        } else throw new PlatformError(HRESULT.E_INVALIDARG, op, `RequestType ${req.RequestType ?? ''} not supported for ${path}`);
        break;
      }
      default:
        throw new PlatformError(HRESULT.E_INVALIDARG, op, `ResourcePath ${req.ResourcePath ?? '(none)'} is not supported by the emulator`);
    }
    await this.save();
  }

  properties(id: unknown, queryText: unknown): PropertiesDoc {
    const op = 'HcsGetComputeSystemProperties';
    const s = this.sys(op, id);
    const q = parseDoc(PropertyQuery, op, queryText, true);
    const p = this.basic(s);
    const types = new Set(q.PropertyTypes ?? []);
    if (types.has('Statistics')) p.Statistics = this.statistics(s);
    if (types.has('ProcessList')) p.ProcessList = this.processList(s);
    if (types.has('TerminateOnLastHandleClosed')) p.TerminateOnLastHandleClosed = !!s.document.ShouldTerminateOnLastHandleClosed;
    void this.save();
    return p;
  }

  private statistics(s: SystemRecord): StatisticsDoc {
    const now = Date.now();
    const acct = s.acct ?? (s.acct = {});
    let commit = 0;
    let privateWs = 0;
    if (s.state !== 'Stopped') {
      for (const st of processesInGroups(this.pgids(s))) {
        const k = `${st.pid}:${st.starttime}`;
        const io = readIo(st.pid);
        const prev = acct[k] ?? { u: 0, k: 0, rOps: 0, wOps: 0, rB: 0, wB: 0 };
        acct[k] = {
          u: Math.max(prev.u, st.utime), k: Math.max(prev.k, st.stime),
          rOps: Math.max(prev.rOps, io?.readOps ?? 0), wOps: Math.max(prev.wOps, io?.writeOps ?? 0),
          rB: Math.max(prev.rB, io?.readBytes ?? 0), wB: Math.max(prev.wB, io?.writeBytes ?? 0),
        };
        const ms = readStatus(st.pid);
        commit += ms?.rssAnonBytes ?? 0;
        privateWs += ms?.rssAnonBytes ?? 0;
      }
    }
    // Per process (pid + start time) the highest CPU / IO counters ever sampled; processes that exited keep their
    // last sample, so the totals are monotonic like a job object's accounting (time after the last sample is lost).
    let user = 0, kernel = 0, rOps = 0, wOps = 0, rB = 0, wB = 0;
    for (const a of Object.values(acct)) { user += a.u ?? 0; kernel += a.k ?? 0; rOps += a.rOps; wOps += a.wOps; rB += a.rB; wB += a.wB; }
    const cpu = user + kernel;
    s.peakCommit = Math.max(s.peakCommit ?? 0, commit);
    const started = s.startedAt ? Date.parse(s.startedAt) : Date.parse(s.createdAt);
    return {
      Timestamp: new Date(now).toISOString(),
      ContainerStartTime: new Date(started).toISOString(),
      Uptime100ns: Math.max(0, (now - started) * 10_000),
      Processor: { TotalRuntime100ns: cpu * TICK_100NS, RuntimeUser100ns: user * TICK_100NS, RuntimeKernel100ns: kernel * TICK_100NS },
      Memory: { MemoryUsageCommitBytes: commit, MemoryUsageCommitPeakBytes: s.peakCommit, MemoryUsagePrivateWorkingSetBytes: privateWs },
      Storage: { ReadCountNormalized: rOps, ReadSizeBytes: rB, WriteCountNormalized: wOps, WriteSizeBytes: wB },
    };
  }

  private processList(s: SystemRecord): ProcessDetailsDoc[] {
    if (s.state === 'Stopped') return [];
    return processesInGroups(this.pgids(s)).map((st) => {
      const ms = readStatus(st.pid);
      return {
        ProcessId: st.pid, ImageName: st.comm, CreateTimestamp: new Date(startTimeMs(st)).toISOString(),
        UserTime100ns: st.utime * TICK_100NS, KernelTime100ns: st.stime * TICK_100NS,
        MemoryCommitBytes: ms?.rssAnonBytes ?? 0, MemoryWorkingSetPrivateBytes: ms?.rssAnonBytes ?? 0,
        MemoryWorkingSetSharedBytes: ms?.rssSharedBytes ?? 0,
      };
    });
  }

  // ---- processes --------------------------------------------------------------------------------------------

  async createProcess(id: unknown, text: unknown): Promise<{ pid: number; streams: ProcRecord['streams'] }> {
    const op = 'HcsCreateProcess';
    const s = this.sys(op, id);
    const params: ProcessParametersDoc = parseDoc(ProcessParameters, op, text, false);
    if (s.state !== 'Running') throw new PlatformError(HRESULT.HCS_E_INVALID_STATE, op, `compute system ${s.id} is ${s.state}`);
    const root = s.root!;
    const argv = splitCommandLine(params.CommandLine ?? '');
    const program = params.ApplicationName || argv[0];
    if (!program) throw new PlatformError(HRESULT.E_INVALIDARG, op, 'CommandLine is empty');
    const docEnv = params.Environment ?? {};
    const cwd = params.WorkingDirectory ? mapPath(root, params.WorkingDirectory, root) : root;
    if (!cwd || !isDirectory(cwd)) {
      throw new PlatformError(0x8007010b /* ERROR_DIRECTORY */, op, `working directory ${params.WorkingDirectory ?? ''} does not exist`);
    }
    const file = resolveProgram(root, cwd, program, docEnv, this.hostPath);
    if (!file) throw new PlatformError(HRESULT.ERROR_FILE_NOT_FOUND, op, `${program}: the system cannot find the file specified`);
    const env: Record<string, string> = { ...docEnv };
    const mappedPath = windowsPathEntries(docEnv).map((d) => mapPath(root, d, cwd)).filter((d): d is string => !!d && isDirectory(d));
    env.PATH = [...mappedPath, this.hostPath].join(':');

    const console = !!params.EmulateConsole;
    const streams = {
      stdin: !!params.CreateStdInPipe,
      stdout: !!params.CreateStdOutPipe,
      stderr: !!params.CreateStdErrPipe && !console,
    };
    const errTarget = console ? (streams.stdout ? 'pipe' : 'ignore') : (streams.stderr ? 'pipe' : 'ignore');
    let spawnFile = file;
    let spawnArgs = argv.slice(1);
    // A container of a pod runs in the pod's network namespace (Container.Networking.Namespace); `ip netns exec`
    // also shows /etc/netns/<ns>/resolv.conf (the endpoint's DNS settings) as /etc/resolv.conf. Both it and
    // nsenter exec the program, so the pid stays the program's.
    const nsGuid = (s.document.Container ?? s.document.HostedSystem?.Container)?.Networking?.Namespace;
    const netns = nsGuid ? this.netnsOf(nsGuid) : undefined;
    if (netns) {
      spawnArgs = ['netns', 'exec', netns, spawnFile, ...spawnArgs];
      spawnFile = 'ip';
    }
    if (s.holder) {
      spawnArgs = [`--uts=/proc/${s.holder.pid}/ns/uts`, '--', spawnFile, ...spawnArgs];
      spawnFile = 'nsenter';
    }
    // argv[0] is the program's own name only when it is spawned directly: a wrapper reads its argv[0] too
    // (`ip` takes what follows the first two characters of its argv[0] as a command when that abbreviates one,
    // so argv[0] "cat" turned `ip netns exec …` into `ip tunnel netns exec …`).
    const child = spawn(spawnFile, spawnArgs, {
      cwd, env, detached: true, ...(spawnFile === file ? { argv0: program } : {}),
      stdio: [streams.stdin ? 'pipe' : 'ignore', streams.stdout ? 'pipe' : 'ignore', errTarget],
    });
    await new Promise<void>((res, rej) => {
      child.once('spawn', () => res());
      child.once('error', (e) => rej(new PlatformError(HRESULT.ERROR_FILE_NOT_FOUND, op, `${program}: ${e.message}`)));
    });
    const pid = child.pid!;
    const st = readStat(pid);
    const rec: ProcRecord = { pid, startTicks: st?.starttime ?? 0, commandLine: params.CommandLine ?? '', exited: false, streams };
    s.processes.push(rec);
    const lp = this.liveOf(s.id, pid);
    lp.child = child;
    child.stdin?.on('error', () => undefined);
    if (child.stdout) lp.out = new OutRelay(console && child.stderr ? [child.stdout, child.stderr] : [child.stdout]);
    if (child.stderr && !console) lp.err = new OutRelay([child.stderr]);
    child.on('exit', (code, signal) => {
      lp.child = undefined;
      this.markExited(s, rec, exitCodeOf(code, signal), 0);
    });
    await this.save();
    this.log(`process ${pid} created in ${s.id}: ${file}`);
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
      // No pseudo console is allocated by the emulator; the size is accepted and has no effect.
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
  attach(id: unknown, pid: unknown, stream: StreamName, sock: Socket, ready: () => void): void {
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
    ready();
    relay.attach(sock);
  }

  /** Terminates every system (used when the service is asked to stop). */
  async terminateAll(): Promise<void> {
    for (const s of [...this.systems.values()]) {
      if (s.state !== 'Stopped') await this.terminate(s.id).catch(() => undefined);
    }
  }
}

function pathExists(p: string): boolean {
  try { statSync(p); return true; } catch { return false; }
}

/**
 * Makes a mapped directory (or single file) visible at its container path: the container's C:\ is a host
 * directory, so the mapping becomes a symlink inside it that replaces whatever the image had at that path (the
 * mount hides it on Windows too). ReadOnly is recorded but not enforced: the emulator is not a security boundary.
 */
function materializeMapping(op: string, root: string, md: MappedDirectoryDoc): void {
  if (!md.HostPath || !md.ContainerPath) return;
  const target = mapPath(root, md.ContainerPath.replace(/\//g, '\\'), root);
  if (!target || target === root || !target.startsWith(root + '/')) {
    throw new PlatformError(HRESULT.E_INVALIDARG, op, `ContainerPath ${md.ContainerPath} cannot be mapped inside the container`);
  }
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(md.HostPath, target);
}
