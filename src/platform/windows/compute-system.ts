/**
 * A compute system handle of computecore (HcsCreateComputeSystem / HcsOpenComputeSystem): its verbs, its exit
 * (SystemExited / ServiceDisconnect through HcsSetComputeSystemCallback, registered right after create/open, before
 * any wait, as hcsshim does; a system that stopped before it was opened is found by one properties query), and
 * the processes created or opened through it, whose ProcessExited its listeners see too (as the emulator's do).
 */
import type { ComputeSystem, ComputeProcess, ComputeEvent, ProcessStdio } from '../types.js';
import type {
  ProcessParametersDoc, PropertiesDoc, PropertyQueryDoc, ModifySettingRequestDoc, SystemExitStatusDoc,
} from '../hcs/schema/index.js';
import { unreadableSystemExit, systemExitOf } from '../hcs/document/index.js';
import { HRESULT } from '../hresult.js';
import {
  callAsync, hcsError, failed, isNull, parseJson, GENERIC_ALL, HcsEventType, HcsEventOptionNone, type Bindings, type Pointer, type KFunc,
} from './ffi/index.js';
import type { HcsRuntime } from './operations.js';
import { WinProcess, NO_OPTIONS, json } from './compute-process.js';
import { stdioOf } from './compute-stdio.js';
import { ExitLatch } from './exit-latch.js';
import { runVerb } from './compute-verb.js';

class Events<T> {
  private readonly ls = new Set<(e: T) => void>();
  add(l: (e: T) => void): void { this.ls.add(l); }
  emit(e: T): void { for (const l of this.ls) { try { l(e); } catch { /* listener errors are the listener's business */ } } }
  clear(): void { this.ls.clear(); }
}

export class WinSystem implements ComputeSystem {
  private closed = false;
  private readonly events = new Events<ComputeEvent>();
  private readonly exit: ExitLatch<SystemExitStatusDoc>;
  private readonly eventContext: number;
  constructor(readonly id: string, private readonly b: Bindings, private readonly rt: HcsRuntime, private readonly handle: Pointer) {
    this.exit = new ExitLatch(rt, () => hcsError(HRESULT.E_HANDLE, 'HcsGetComputeSystemProperties',
      `the handle of compute system ${id} was closed before its exit was seen; open the system again to wait for it`));
    this.eventContext = rt.subscribe((type, data) => {
      if (type === HcsEventType.SystemExited) {
        let s: SystemExitStatusDoc;
        try { s = parseJson<SystemExitStatusDoc>(data, 'SystemExited'); } catch { s = unreadableSystemExit(); }
        this.stopped(s);
      } else if (type === HcsEventType.ServiceDisconnect) {
        this.events.emit({ type: 'ServiceDisconnect' });
      }
    });
    const hr = b.hcs.HcsSetComputeSystemCallback(handle, HcsEventOptionNone, this.eventContext, rt.eventCallback) as number;
    if (failed(hr)) throw hcsError(hr, 'HcsSetComputeSystemCallback');
  }
  private stopped(s: SystemExitStatusDoc): void {
    if (!this.exit.settle(s)) return;
    this.events.emit({ type: 'SystemExited', data: s });
  }
  private verb(name: string, f: KFunc, arg: string): Promise<string | undefined> {
    return runVerb(this.rt, this.handle, this.closed ? 'the compute system handle is closed' : undefined, name, f, arg);
  }
  async start(): Promise<void> { await this.verb('HcsStartComputeSystem', this.b.hcs.HcsStartComputeSystem, NO_OPTIONS); }
  async shutdown(): Promise<void> { await this.verb('HcsShutDownComputeSystem', this.b.hcs.HcsShutDownComputeSystem, NO_OPTIONS); }
  async terminate(): Promise<void> { await this.verb('HcsTerminateComputeSystem', this.b.hcs.HcsTerminateComputeSystem, NO_OPTIONS); }
  async pause(): Promise<void> { await this.verb('HcsPauseComputeSystem', this.b.hcs.HcsPauseComputeSystem, NO_OPTIONS); }
  async resume(): Promise<void> { await this.verb('HcsResumeComputeSystem', this.b.hcs.HcsResumeComputeSystem, NO_OPTIONS); }
  async modify(request: ModifySettingRequestDoc): Promise<void> {
    if (this.closed) throw hcsError(HRESULT.E_HANDLE, 'HcsModifyComputeSystem', 'the compute system handle is closed');
    await this.rt.run('HcsModifyComputeSystem', (op) => this.b.hcs.HcsModifyComputeSystem(this.handle, op, json(request), null) as number);
  }
  async getProperties(query?: PropertyQueryDoc): Promise<PropertiesDoc> {
    const doc = await this.verb('HcsGetComputeSystemProperties', this.b.hcs.HcsGetComputeSystemProperties, json(query ?? {}));
    const p = parseJson<PropertiesDoc>(doc, 'HcsGetComputeSystemProperties');
    if (p.State === 'Stopped' && !this.exit.done && this.exit.waiting) this.stopped(systemExitOf(p));
    return p;
  }

  private wrapProcess(handle: Pointer, pid: number, stdio: ProcessStdio): WinProcess {
    return new WinProcess(this.b, this.rt, handle, pid, stdio, (s) => this.events.emit({ type: 'ProcessExited', data: s }));
  }

  async createProcess(params: ProcessParametersDoc): Promise<ComputeProcess> {
    if (this.closed) throw hcsError(HRESULT.E_HANDLE, 'HcsCreateProcess', 'the compute system handle is closed');
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
    if (this.closed) throw hcsError(HRESULT.E_HANDLE, 'HcsOpenProcess', 'the compute system handle is closed');
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
    if (this.exit.done) return this.exit.wait();
    const p = this.exit.wait();
    // A system that stopped before this handle was opened delivers no event.
    this.getProperties().catch(() => undefined);
    return p;
  }
  onEvent(listener: (e: ComputeEvent) => void): void { this.events.add(listener); }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.events.clear();
    this.exit.close();
    void this.rt.closeHandle(this.b.hcs.HcsCloseComputeSystem, this.handle, this.eventContext);
  }
}
