/**
 * ComputeService over computecore.dll: compute systems and processes. Documents go in and out as the services'
 * own JSON; every failure is a PlatformError with the HRESULT and the operation's ResultError document.
 *
 * Events: system handles receive SystemExited / ServiceDisconnect through HcsSetComputeSystemCallback, process
 * handles ProcessExited through HcsSetProcessCallback (registered right after create/open, before any wait, as
 * hcsshim does). As the emulator does, a system's listeners also see ProcessExited of the processes created or
 * opened through that system handle.
 *
 * Stdio: HcsCreateProcess hands out pipe HANDLEs (HCS_PROCESS_INFORMATION) owned by the caller. Each becomes a C
 * runtime descriptor (_open_osfhandle) which libuv opens as a pipe (net.Socket({ fd })); closing the stream closes
 * the handle. (On Linux the test library hands out pipe fds and an identity _open_osfhandle.)
 */
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type {
  ComputeService, ComputeSystem, ComputeProcess, ComputeEvent, ProcessStdio,
} from '../types.js';
import type {
  ComputeSystemDoc, ProcessParametersDoc, ProcessStatusDoc, PropertiesDoc, PropertyQueryDoc, ModifySettingRequestDoc,
  SignalProcessOptionsDoc, ProcessModifyRequestDoc, SystemExitStatusDoc, SystemQueryDoc, ServicePropertiesDoc,
  ModificationRequestDoc, ServicePropertyQueryDoc,
} from '../hcs/schema/index.js';
import {
  callAsync, takeString, hcsError, failed, isNull, parseJson, GENERIC_ALL, HcsEventType, HcsEventOptionNone,
  INVALID_HANDLE_VALUE, _O_BINARY, type Bindings, type Pointer, type KFunc,
} from './ffi/index.js';
import type { HcsRuntime } from './operations.js';

/** Reserved "options" arguments: hcsshim passes an empty string, which is what runs in production. */
const NO_OPTIONS = '';

function json(v: unknown): string { return JSON.stringify(v); }

/** The pipe HANDLEs of an HCS_PROCESS_INFORMATION as streams (each closes its handle when destroyed). */
function stdioOf(b: Bindings, info: { StdInput: Pointer; StdOutput: Pointer; StdError: Pointer }): ProcessStdio {
  const stdio: ProcessStdio = {};
  const fd = (h: Pointer): number | undefined => {
    if (isNull(h) || h === INVALID_HANDLE_VALUE) return undefined;
    const n = b.win32._open_osfhandle(h, _O_BINARY) as number;
    return n >= 0 ? n : undefined;
  };
  const i = fd(info.StdInput), o = fd(info.StdOutput), e = fd(info.StdError);
  if (i !== undefined) stdio.stdin = new net.Socket({ fd: i, readable: false, writable: true, allowHalfOpen: true }) as Writable;
  if (o !== undefined) stdio.stdout = new net.Socket({ fd: o, readable: true, writable: false, allowHalfOpen: true }) as Readable;
  if (e !== undefined) stdio.stderr = new net.Socket({ fd: e, readable: true, writable: false, allowHalfOpen: true }) as Readable;
  return stdio;
}

class Events<T> {
  private readonly ls = new Set<(e: T) => void>();
  add(l: (e: T) => void): void { this.ls.add(l); }
  emit(e: T): void { for (const l of this.ls) { try { l(e); } catch { /* listener errors are the listener's business */ } } }
  clear(): void { this.ls.clear(); }
}

class WinProcess implements ComputeProcess {
  private closed = false;
  private status?: ProcessStatusDoc;
  private readonly waiters: ((s: ProcessStatusDoc) => void)[] = [];
  private probed = false;
  readonly eventContext: number;
  constructor(
    private readonly b: Bindings, private readonly rt: HcsRuntime, private readonly handle: Pointer,
    public pid: number, public stdio: ProcessStdio, private readonly onExit: (s: ProcessStatusDoc) => void,
  ) {
    this.eventContext = rt.subscribe((type, data) => {
      if (type === HcsEventType.ProcessExited) {
        let s: ProcessStatusDoc;
        try { s = parseJson<ProcessStatusDoc>(data, 'ProcessExited'); } catch { s = { ProcessId: this.pid, Exited: true, ExitCode: 0xffffffff, LastWaitResult: HRESULTS.E_FAIL }; }
        this.exited(s);
      } else if (type === HcsEventType.ServiceDisconnect) {
        this.exited({ ProcessId: this.pid, Exited: true, ExitCode: 0xffffffff, LastWaitResult: HRESULTS.HCS_E_SERVICE_DISCONNECT });
      }
    });
    const hr = b.hcs.HcsSetProcessCallback(handle, HcsEventOptionNone, this.eventContext, rt.eventCallback) as number;
    if (failed(hr)) throw hcsError(hr, 'HcsSetProcessCallback');
  }
  private exited(s: ProcessStatusDoc): void {
    if (this.status) return;
    this.status = s;
    for (const w of this.waiters.splice(0)) { this.rt.release(); w(s); }
    this.onExit(s);
  }
  private verb(name: string, f: KFunc, arg?: string): Promise<string | undefined> {
    if (this.closed) return Promise.reject(hcsError(HRESULTS.E_HANDLE, name, 'the process handle is closed'));
    return this.rt.run(name, (op) => (arg === undefined ? f(this.handle, op) : f(this.handle, op, arg)) as number).then((r) => r.document);
  }
  async signal(options: SignalProcessOptionsDoc): Promise<void> { await this.verb('HcsSignalProcess', this.b.hcs.HcsSignalProcess, json(options)); }
  async terminate(): Promise<void> { await this.verb('HcsTerminateProcess', this.b.hcs.HcsTerminateProcess, NO_OPTIONS); }
  async getProperties(): Promise<ProcessStatusDoc> {
    const doc = await this.verb('HcsGetProcessProperties', this.b.hcs.HcsGetProcessProperties, '');
    const s = parseJson<ProcessStatusDoc>(doc, 'HcsGetProcessProperties');
    if (s.Exited) this.exited(s);
    return s;
  }
  async modify(request: ProcessModifyRequestDoc): Promise<void> { await this.verb('HcsModifyProcess', this.b.hcs.HcsModifyProcess, json(request)); }
  /**
   * HcsGetProcessInfo on an opened process: its std handles (the initial startup info) as the caller's streams,
   * which is how a restarted IO keeper takes the output over. Only the output is kept; a stdin handle is closed.
   * That a process other than the creator gets working pipe handles this way is what hcsshim's StdioLegacy
   * relies on for a still-open handle; for a new client it is not verified on Windows (reference/hcs.md §8).
   */
  async reopenOutput(): Promise<ProcessStdio> {
    if (this.closed) throw hcsError(HRESULTS.E_HANDLE, 'HcsGetProcessInfo', 'the process handle is closed');
    const r = await this.rt.run('HcsGetProcessInfo', (op) => this.b.hcs.HcsGetProcessInfo(this.handle, op) as number, { processInfo: true });
    const info = r.processInformation;
    if (!info) return {};
    const { stdin, stdout, stderr } = stdioOf(this.b, info);
    stdin?.destroy();
    return { ...(stdout ? { stdout } : {}), ...(stderr ? { stderr } : {}) };
  }
  waitExit(): Promise<ProcessStatusDoc> {
    if (this.status) return Promise.resolve(this.status);
    this.rt.hold();
    const p = new Promise<ProcessStatusDoc>((res) => this.waiters.push(res));
    if (!this.probed) {
      // An exit that happened before our callback was registered (open of an exited process) has no event.
      this.probed = true;
      this.getProperties().catch(() => undefined);
    }
    return p;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let i = 0; i < this.waiters.length; i++) this.rt.release();
    void this.rt.closeHandle(this.b.hcs.HcsCloseProcess, this.handle, this.eventContext);
  }
}

const HRESULTS = {
  E_FAIL: 0x80004005 | 0,
  E_HANDLE: 0x80070006 | 0,
  HCS_E_SERVICE_DISCONNECT: 0x8037011e | 0,
};

class WinSystem implements ComputeSystem {
  private closed = false;
  private readonly events = new Events<ComputeEvent>();
  private exitStatus?: SystemExitStatusDoc;
  private readonly exitWaiters: ((s: SystemExitStatusDoc) => void)[] = [];
  private readonly eventContext: number;
  constructor(readonly id: string, private readonly b: Bindings, private readonly rt: HcsRuntime, private readonly handle: Pointer) {
    this.eventContext = rt.subscribe((type, data) => {
      if (type === HcsEventType.SystemExited) {
        let s: SystemExitStatusDoc;
        try { s = parseJson<SystemExitStatusDoc>(data, 'SystemExited'); } catch { s = { Status: HRESULTS.E_FAIL }; }
        this.stopped(s);
      } else if (type === HcsEventType.ServiceDisconnect) {
        this.events.emit({ type: 'ServiceDisconnect' });
      }
    });
    const hr = b.hcs.HcsSetComputeSystemCallback(handle, HcsEventOptionNone, this.eventContext, rt.eventCallback) as number;
    if (failed(hr)) throw hcsError(hr, 'HcsSetComputeSystemCallback');
  }
  private stopped(s: SystemExitStatusDoc): void {
    if (this.exitStatus) return;
    this.exitStatus = s;
    for (const w of this.exitWaiters.splice(0)) { this.rt.release(); w(s); }
    this.events.emit({ type: 'SystemExited', data: s });
  }
  private verb(name: string, f: KFunc, arg: string): Promise<string | undefined> {
    if (this.closed) return Promise.reject(hcsError(HRESULTS.E_HANDLE, name, 'the compute system handle is closed'));
    return this.rt.run(name, (op) => f(this.handle, op, arg) as number).then((r) => r.document);
  }
  async start(): Promise<void> { await this.verb('HcsStartComputeSystem', this.b.hcs.HcsStartComputeSystem, NO_OPTIONS); }
  async shutdown(): Promise<void> { await this.verb('HcsShutDownComputeSystem', this.b.hcs.HcsShutDownComputeSystem, NO_OPTIONS); }
  async terminate(): Promise<void> { await this.verb('HcsTerminateComputeSystem', this.b.hcs.HcsTerminateComputeSystem, NO_OPTIONS); }
  async pause(): Promise<void> { await this.verb('HcsPauseComputeSystem', this.b.hcs.HcsPauseComputeSystem, NO_OPTIONS); }
  async resume(): Promise<void> { await this.verb('HcsResumeComputeSystem', this.b.hcs.HcsResumeComputeSystem, NO_OPTIONS); }
  async modify(request: ModifySettingRequestDoc): Promise<void> {
    if (this.closed) throw hcsError(HRESULTS.E_HANDLE, 'HcsModifyComputeSystem', 'the compute system handle is closed');
    await this.rt.run('HcsModifyComputeSystem', (op) => this.b.hcs.HcsModifyComputeSystem(this.handle, op, json(request), null) as number);
  }
  async getProperties(query?: PropertyQueryDoc): Promise<PropertiesDoc> {
    const doc = await this.verb('HcsGetComputeSystemProperties', this.b.hcs.HcsGetComputeSystemProperties, json(query ?? {}));
    const p = parseJson<PropertiesDoc>(doc, 'HcsGetComputeSystemProperties');
    if (p.State === 'Stopped' && !this.exitStatus && this.exitWaiters.length > 0) this.stopped({ Status: 0, ExitType: p.ExitType ?? 'None' } as SystemExitStatusDoc);
    return p;
  }

  private wrapProcess(handle: Pointer, pid: number, stdio: ProcessStdio): WinProcess {
    return new WinProcess(this.b, this.rt, handle, pid, stdio, (s) => this.events.emit({ type: 'ProcessExited', data: s }));
  }

  async createProcess(params: ProcessParametersDoc): Promise<ComputeProcess> {
    if (this.closed) throw hcsError(HRESULTS.E_HANDLE, 'HcsCreateProcess', 'the compute system handle is closed');
    const out: Pointer[] = [null];
    let proc: WinProcess | undefined;
    let r;
    try {
      r = await this.rt.run('HcsCreateProcess', (op) => {
        const hr = this.b.hcs.HcsCreateProcess(this.handle, json(params), op, null, out) as number;
        if (!failed(hr) && !isNull(out[0])) {
          // Register the process callback before the operation completes, so no exit can be missed. The pid and
          // stdio arrive with the operation result; the process object is completed below.
          proc = this.wrapProcess(out[0], 0, {});
        }
        return hr;
      }, { processInfo: true });
    } catch (e) {
      if (proc) proc.close();
      else if (!isNull(out[0])) void this.rt.closeHandle(this.b.hcs.HcsCloseProcess, out[0], undefined);
      throw e;
    }
    const info = r.processInformation!;
    proc!.pid = info.ProcessId;
    proc!.stdio = stdioOf(this.b, info);
    return proc!;
  }

  async openProcess(pid: number): Promise<ComputeProcess> {
    if (this.closed) throw hcsError(HRESULTS.E_HANDLE, 'HcsOpenProcess', 'the compute system handle is closed');
    const out: Pointer[] = [null];
    const hr = await callAsync<number>(this.b.hcs.HcsOpenProcess, this.handle, pid >>> 0, GENERIC_ALL, out);
    if (failed(hr)) throw hcsError(hr, 'HcsOpenProcess');
    try {
      return this.wrapProcess(out[0], pid, {});
    } catch (e) {
      void this.rt.closeHandle(this.b.hcs.HcsCloseProcess, out[0], undefined);
      throw e;
    }
  }

  waitExit(): Promise<SystemExitStatusDoc> {
    if (this.exitStatus) return Promise.resolve(this.exitStatus);
    this.rt.hold();
    const p = new Promise<SystemExitStatusDoc>((res) => this.exitWaiters.push(res));
    // A system that stopped before this handle was opened delivers no event.
    this.getProperties().catch(() => undefined);
    return p;
  }
  onEvent(listener: (e: ComputeEvent) => void): void { this.events.add(listener); }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.events.clear();
    for (let i = 0; i < this.exitWaiters.length; i++) this.rt.release();
    void this.rt.closeHandle(this.b.hcs.HcsCloseComputeSystem, this.handle, this.eventContext);
  }
}

export class WinCompute implements ComputeService {
  constructor(private readonly b: Bindings, private readonly rt: HcsRuntime) {}

  async createComputeSystem(id: string, document: ComputeSystemDoc): Promise<ComputeSystem> {
    const out: Pointer[] = [null];
    let sys: WinSystem | undefined;
    try {
      await this.rt.run('HcsCreateComputeSystem', (op) => {
        const hr = this.b.hcs.HcsCreateComputeSystem(id, json(document), op, null, out) as number;
        // The handle is returned at once; register the system callback before the creation completes.
        if (!failed(hr) && !isNull(out[0])) sys = new WinSystem(id, this.b, this.rt, out[0]);
        return hr;
      });
    } catch (e) {
      if (sys) sys.close();
      else if (!isNull(out[0])) void this.rt.closeHandle(this.b.hcs.HcsCloseComputeSystem, out[0], undefined);
      throw e;
    }
    return sys!;
  }

  async openComputeSystem(id: string): Promise<ComputeSystem> {
    const out: Pointer[] = [null];
    const hr = await callAsync<number>(this.b.hcs.HcsOpenComputeSystem, id, GENERIC_ALL, out);
    if (failed(hr)) throw hcsError(hr, 'HcsOpenComputeSystem');
    try {
      return new WinSystem(id, this.b, this.rt, out[0]);
    } catch (e) {
      void this.rt.closeHandle(this.b.hcs.HcsCloseComputeSystem, out[0], undefined);
      throw e;
    }
  }

  async enumerateComputeSystems(query?: SystemQueryDoc): Promise<PropertiesDoc[]> {
    const r = await this.rt.run('HcsEnumerateComputeSystems', (op) => this.b.hcs.HcsEnumerateComputeSystems(json(query ?? {}), op) as number);
    return parseJson<PropertiesDoc[] | null>(r.document, 'HcsEnumerateComputeSystems', []) ?? [];
  }

  async getServiceProperties(): Promise<ServicePropertiesDoc> {
    const out: Pointer[] = [null];
    const hr = await callAsync<number>(this.b.hcs.HcsGetServiceProperties, json({ PropertyTypes: ['Basic'] }), out);
    const doc = takeString(out[0], this.b.localFree);
    if (failed(hr)) throw hcsError(hr, 'HcsGetServiceProperties', doc);
    const p = parseJson<{ Properties?: { SupportedSchemaVersions?: { Major: number; Minor: number }[] }[] }>(doc, 'HcsGetServiceProperties');
    const basic = p.Properties?.[0] ?? {};
    return { SupportedSchemaVersions: basic.SupportedSchemaVersions ?? [], Properties: p.Properties ?? [] } as ServicePropertiesDoc;
  }

  async queryServiceProperties(query: ServicePropertyQueryDoc): Promise<unknown[]> {
    const out: Pointer[] = [null];
    const hr = await callAsync<number>(this.b.hcs.HcsGetServiceProperties, json(query), out);
    const doc = takeString(out[0], this.b.localFree);
    if (failed(hr)) throw hcsError(hr, 'HcsGetServiceProperties', doc);
    return parseJson<{ Properties?: unknown[] }>(doc, 'HcsGetServiceProperties').Properties ?? [];
  }

  /** Synchronous in computecore; the result string is an error document on failure (freed with LocalFree). */
  async modifyServiceSettings(request: ModificationRequestDoc): Promise<void> {
    const out: Pointer[] = [null];
    const hr = await callAsync<number>(this.b.hcs.HcsModifyServiceSettings, json(request), out);
    const doc = takeString(out[0], this.b.localFree);
    if (failed(hr)) throw hcsError(hr, 'HcsModifyServiceSettings', doc);
  }

  /** Synchronous in computecore; no result document. */
  async grantVmAccess(vmId: string, filePath: string): Promise<void> {
    const hr = await callAsync<number>(this.b.hcs.HcsGrantVmAccess, vmId, filePath);
    if (failed(hr)) throw hcsError(hr, 'HcsGrantVmAccess', undefined);
  }

  async close(): Promise<void> { /* handles are closed by their owners; the runtime waits for closes on dispose */ }
}
