/** Handles on a compute system or job container and on its processes (the emulator's ComputeSystem / ComputeProcess). */
import type { Writable } from 'node:stream';
import type { ComputeSystem, ComputeProcess, ComputeEvent, ProcessStdio, CreateProcessOptions } from '../types.js';
import type { ProcessParametersDoc, ProcessStatusDoc, PropertiesDoc, PropertyQueryDoc, ModifySettingRequestDoc, SignalProcessOptionsDoc, ProcessModifyRequestDoc, SystemExitStatusDoc } from '../hcs/schema/index.js';
import type { EmulatorClient } from './client.js';
import { ackedInto, heldOutput } from './output-streams.js';
import { reopenOutputOf } from './reopen-output.js';
import { j } from './json-param.js';
import { procKey } from './protocol.js';
import { durableStdin } from './durable-stdin.js';
import { reopenKeptStdin } from './kept-stdin.js';
import { PlatformError, HRESULT } from '../hresult.js';

/** Per-client bookkeeping of open handles, re-opened on the service after a reconnect. */
export class HandleTable {
  systems = new Map<string, number>();
  /** Systems opened as job containers (re-opened with openJob). */
  jobs = new Set<string>();
  processes = new Map<string, number>();
  inc(m: Map<string, number>, k: string): void { m.set(k, (m.get(k) ?? 0) + 1); }
  dec(m: Map<string, number>, k: string): void { const n = (m.get(k) ?? 1) - 1; if (n > 0) m.set(k, n); else m.delete(k); }
}

/** What a handle needs of the compute service that opened it (compute.ts): the handle counts and event listeners. */
export interface HandleOwner {
  readonly handles: HandleTable;
  listen(id: string, l: (e: ComputeEvent) => void, h: EmuSystem): void;
  unlisten(h: EmuSystem): void;
}

export class EmuSystem implements ComputeSystem {
  private closed = false;
  constructor(readonly id: string, private readonly c: EmulatorClient, private readonly owner: HandleOwner) {}
  private call<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.c.request<T>(method, { id: this.id, ...params });
  }
  start(): Promise<void> { return this.call('startSystem'); }
  shutdown(): Promise<void> { return this.call('shutdownSystem'); }
  terminate(): Promise<void> { return this.call('terminateSystem'); }
  pause(): Promise<void> { return this.call('pauseSystem'); }
  resume(): Promise<void> { return this.call('resumeSystem'); }
  modify(request: ModifySettingRequestDoc): Promise<void> { return this.call('modifySystem', { request: j(request) }); }
  getProperties(query?: PropertyQueryDoc): Promise<PropertiesDoc> { return this.call('systemProperties', { query: j(query) }); }
  async createProcess(params: ProcessParametersDoc, opts: CreateProcessOptions = {}): Promise<ComputeProcess> {
    const r = await this.call<{ pid: number; streams: { stdin: boolean; stdout: boolean; stderr: boolean } }>(
      'createProcess', { params: j(params), ...(opts.recordLater ? { recordLater: true } : {}) });
    this.owner.handles.inc(this.owner.handles.processes, procKey(this.id, r.pid));
    const stdio: ProcessStdio = {};
    // HcsCreateProcess failed for the caller: the process it made must not run on with nobody owning it.
    const abandon = async (reason: unknown): Promise<never> => {
      // The streams only: `acks` (acknowledged output) is no stream, and a throw here would lose `reason` and the process.
      for (const s of [stdio.stdin, stdio.stdout, stdio.stderr]) s?.destroy();
      const p = new EmuProcess(this.id, r.pid, {}, this.c, this.owner);
      await p.terminate().catch(() => undefined);
      p.close();
      throw reason;
    };
    try {
      opts.onCreated?.({
        pid: r.pid, ackedOutput: !!opts.ackedOutput && (r.streams.stdout || r.streams.stderr),
        recorded: () => this.c.request('processRecorded', { id: this.id, pid: r.pid }),
      });
    } catch (e) {
      return abandon(e);
    }
    // The pipes are attached side by side (a connection each).
    const attached = await Promise.allSettled([
      r.streams.stdin ? this.c.attachStdin(this.id, r.pid, !!opts.keepStdin).then((a) => {
        stdio.stdin = a.start === undefined ? a.sock : durableStdin(this.c, this.id, r.pid, { sock: a.sock, start: a.start, eof: a.eof }, !!opts.keepStdin);
      }) : undefined,
      ...(['stdout', 'stderr'] as const).map(async (name) => {
        if (!r.streams[name]) return;
        if (opts.ackedOutput) ackedInto(this.c, this.id, r.pid, stdio, name, await this.c.attachAcked(this.id, r.pid, name, 0));
        else stdio[name] = heldOutput(await this.c.attach(this.id, r.pid, name));
      }),
    ]);
    const failed = attached.find((a): a is PromiseRejectedResult => a.status === 'rejected');
    if (failed) return abandon(failed.reason);
    return new EmuProcess(this.id, r.pid, stdio, this.c, this.owner);
  }
  async openProcess(pid: number): Promise<ComputeProcess> {
    await this.call('openProcess', { pid });
    this.owner.handles.inc(this.owner.handles.processes, procKey(this.id, pid));
    return new EmuProcess(this.id, pid, {}, this.c, this.owner);
  }
  waitExit(): Promise<SystemExitStatusDoc> { return this.call('waitSystem'); }
  onEvent(listener: (e: ComputeEvent) => void): void { this.owner.listen(this.id, listener, this); }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.owner.unlisten(this);
    this.owner.handles.dec(this.owner.handles.systems, this.id);
    this.call('closeSystem').catch(() => undefined);
  }
}

export class EmuProcess implements ComputeProcess {
  private closed = false;
  constructor(private readonly systemId: string, readonly pid: number, readonly stdio: ProcessStdio,
    private readonly c: EmulatorClient, private readonly owner: HandleOwner) {}
  private call<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.c.request<T>(method, { id: this.systemId, pid: this.pid, ...params });
  }
  signal(options: SignalProcessOptionsDoc): Promise<void> { return this.call('signalProcess', { options: j(options) }); }
  terminate(): Promise<void> { return this.call('terminateProcess'); }
  getProperties(): Promise<ProcessStatusDoc> { return this.call('processProperties'); }
  modify(request: ProcessModifyRequestDoc): Promise<void> { return this.call('modifyProcess', { request: j(request) }); }
  waitExit(): Promise<ProcessStatusDoc> { return this.call('waitProcess'); }
  recorded(): Promise<void> { return this.call('processRecorded'); }
  reopenStdin(): Promise<Writable | undefined> { return reopenKeptStdin(this.c, this.systemId, this.pid); }
  /** Its output back for a new reader (reopen-output.ts); a handle already closed is E_HANDLE, as on Windows. */
  reopenOutput(from?: { stdout?: number; stderr?: number }): Promise<ProcessStdio> {
    if (this.closed) return Promise.reject(new PlatformError(HRESULT.E_HANDLE, 'AttachStdio', 'the process handle is closed'));
    return reopenOutputOf(this.c, this.systemId, this.pid, from);
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.owner.handles.dec(this.owner.handles.processes, procKey(this.systemId, this.pid));
    this.call('closeProcess').catch(() => undefined);
  }
}
