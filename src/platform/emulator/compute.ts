/** The emulator's ComputeService: system handles, service properties, events, and handles re-opened after a reconnect. */
import type { ComputeService, ComputeSystem, ComputeEvent } from '../types.js';
import type { ComputeSystemDoc, ProcessStatusDoc, PropertiesDoc, SystemExitStatusDoc, SystemQueryDoc, ServicePropertiesDoc, ModificationRequestDoc, ServicePropertyQueryDoc } from '../hcs/schema/index.js';
import type { EmulatorClient } from './client.js';
import { j } from './json-param.js';
import { parseProcKey } from './protocol.js';
import { EmuSystem, HandleTable } from './system-handle.js';

export class EmuCompute implements ComputeService {
  readonly handles = new HandleTable();
  private listeners = new Map<string, Set<{ h: EmuSystem; l: (e: ComputeEvent) => void }>>();
  constructor(private readonly c: EmulatorClient) {
    c.onEvent((e) => {
      const set = this.listeners.get(e.systemId);
      if (!set) return;
      const ev: ComputeEvent = e.event === 'SystemExited'
        ? { type: 'SystemExited', data: e.data as SystemExitStatusDoc }
        : { type: 'ProcessExited', data: e.data as ProcessStatusDoc };
      for (const x of set) safeCall(x.l, ev);
    });
    c.onDisconnect(() => {
      for (const set of this.listeners.values()) for (const x of set) safeCall(x.l, { type: 'ServiceDisconnect' });
    });
    // Sent at once, answered in any order: one open per handle held (the service counts them, and forgets an
    // exited process once all are closed). The systems' opens go first on the connection, as the service reads it.
    c.reopen = async (send) => {
      const opens: Promise<unknown>[] = [];
      for (const [id, n] of this.handles.systems) {
        const method = this.handles.jobs.has(id) ? 'openJob' : 'openSystem';
        for (let i = 0; i < n; i++) opens.push(send(method, { id }).catch(() => undefined));
      }
      for (const [k, n] of this.handles.processes) {
        const { id, pid } = parseProcKey(k);
        for (let i = 0; i < n; i++) opens.push(send('openProcess', { id, pid }).catch(() => undefined));
      }
      await Promise.all(opens);
    };
  }
  listen(id: string, l: (e: ComputeEvent) => void, h: EmuSystem): void {
    const set = this.listeners.get(id) ?? new Set();
    set.add({ h, l });
    this.listeners.set(id, set);
  }
  unlisten(h: EmuSystem): void {
    for (const [id, set] of this.listeners) {
      for (const x of set) if (x.h === h) set.delete(x);
      if (set.size === 0) this.listeners.delete(id);
    }
  }
  async createComputeSystem(id: string, document: ComputeSystemDoc): Promise<ComputeSystem> {
    await this.c.request('createSystem', { id, document: j(document) });
    this.handles.inc(this.handles.systems, id);
    return new EmuSystem(id, this.c, this);
  }
  async openComputeSystem(id: string): Promise<ComputeSystem> {
    await this.c.request('openSystem', { id });
    this.handles.inc(this.handles.systems, id);
    return new EmuSystem(id, this.c, this);
  }
  enumerateComputeSystems(query?: SystemQueryDoc): Promise<PropertiesDoc[]> {
    return this.c.request('enumerateSystems', { query: j(query) });
  }
  /** A handle for a job container the service just created or opened. */
  adoptJob(id: string): ComputeSystem {
    this.handles.inc(this.handles.systems, id);
    this.handles.jobs.add(id);
    return new EmuSystem(id, this.c, this);
  }
  getServiceProperties(): Promise<ServicePropertiesDoc> { return this.c.request('serviceProperties'); }
  queryServiceProperties(query: ServicePropertyQueryDoc): Promise<unknown[]> { return this.c.request('queryServiceProperties', { query: j(query) }); }
  modifyServiceSettings(request: ModificationRequestDoc): Promise<void> { return this.c.request('modifyServiceSettings', { request: j(request) }); }
  grantVmAccess(vmId: string, filePath: string): Promise<void> { return this.c.request('grantVmAccess', { id: vmId, path: filePath }); }
  async close(): Promise<void> { this.c.close(); }
}

export function safeCall<T>(f: (x: T) => void, x: T): void {
  try { f(x); } catch { /* listener errors are the listener's business */ }
}
