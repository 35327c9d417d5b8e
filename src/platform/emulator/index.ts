/**
 * The Linux emulator of the Windows platform services (HCS compute, HCN network, layer storage).
 *
 * Like vmcompute on Windows, the emulator is a separate long-lived service process (./service/main.ts) that
 * outlives its clients: a kill -9 of the daemon leaves compute systems and their processes running. This module is
 * the client side: createEmulatorPlatform connects to <stateDir>/service.sock (spawning the service detached when
 * nothing listens), and implements the Platform seam over the JSON-lines protocol of ./protocol.ts.
 *
 * Notes on semantics (details in ./service/compute.ts, ./service/storage.ts, ./service/network.ts):
 *  - Processes are real Linux processes; the emulator is not a security boundary and runs host binaries (a bare
 *    program name not found under the container's C:\ falls back to the service's host PATH).
 *  - ComputeSystem.onEvent receives SystemExited for the system and, as a convenience the Windows API delivers on
 *    process callbacks instead, ProcessExited for processes of the system; ServiceDisconnect when the connection to
 *    the service drops (the client reconnects and re-opens its handles by itself).
 *  - Fault injection (injectFault) names operations by their wire method: createSystem, openSystem, startSystem,
 *    shutdownSystem, terminateSystem, pauseSystem, resumeSystem, modifySystem, systemProperties, enumerateSystems,
 *    createProcess, openProcess, signalProcess, terminateProcess, processProperties, modifyProcess, waitProcess,
 *    waitSystem, attach, createNetwork, …, createNamespace, modifyNamespace, …, importLayer,
 *    initializeWritableLayer, attachLayerStorageFilter, detachLayerStorageFilter, getLayerMountPath, destroyLayer,
 *    layerUsage, and for job containers createJob, openJob, enumerateJobs.
 *  - Job containers (HostProcess, ./jobs.ts): created / opened / listed through platform.jobs; their handles are
 *    the same system handles as compute systems'.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { PassThrough, pipeline, type Duplex, type Readable } from 'node:stream';
import type {
  Platform, ComputeService, ComputeSystem, ComputeProcess, ComputeEvent, NetworkService, StorageService, ProcessStdio, PlatformCondition, CreateProcessOptions,
} from '../types.js';
import type {
  ComputeSystemDoc, ProcessParametersDoc, ProcessStatusDoc, PropertiesDoc, PropertyQueryDoc, ModifySettingRequestDoc,
  SignalProcessOptionsDoc, ProcessModifyRequestDoc, SystemExitStatusDoc, SystemQueryDoc, LayerDataDoc,
  ServicePropertiesDoc, ModificationRequestDoc, ServicePropertyQueryDoc,
} from '../hcs/schema/index.js';
import type {
  HostComputeNamespaceDoc, HostComputeEndpointDoc, HostComputeNetworkDoc, ModifyNamespaceSettingRequestDoc, HcnQueryDoc, EndpointStatsDoc,
  ModifyNetworkSettingRequestDoc,
} from '../hcn/schema/index.js';
import { EmulatorClient } from './client.js';
import { PID_NAME } from './protocol.js';
import { dialInNamespace } from './dial.js';
import { EmuJobs, type JobDescription } from './jobs.js';
import { ackedOutput, type Attachment } from './acked-output.js';

export { EmulatorClient } from './client.js';

export interface EmulatorOptions { stateDir: string; osVersion?: string; architecture?: string; spawnService?: boolean; connectTimeoutMs?: number }

export interface EmulatorPlatform extends Platform {
  readonly name: 'emulator';
  /** Makes the next `count` calls of operation `op` fail with `hresult` (0 = only delay) after `delayMs`. */
  injectFault(op: string, hresult: number, count?: number, delayMs?: number): Promise<void>;
  clearFaults(op?: string): Promise<void>;
  /** Pid of the service process (for tests). */
  servicePid(): Promise<number>;
  /** Opens a stdio attachment of a process, e.g. from a process other than its creator (at most one per stream). */
  attachStdio(systemId: string, pid: number, stream: 'stdin' | 'stdout' | 'stderr'): Promise<Socket>;
  /** What the emulator recorded for a job container: its document (user, mounts) and the host mount point. */
  describeJob(id: string): Promise<JobDescription>;
}

const j = (v: unknown): string | undefined => (v === undefined ? undefined : JSON.stringify(v));

/**
 * An output attachment as the caller's stream. A net.Socket emits 'end' as soon as EOF arrives with nothing
 * buffered, even before anyone listens: the output of a process that wrote nothing (and exited before the caller
 * got its stdio) ended unseen, so the caller waited for an 'end' that had already passed. A PassThrough holds the
 * end until it is read, like a pipe handle does; destroying it destroys the attachment.
 */
function heldOutput(sock: Socket): Readable {
  const out = new PassThrough();
  pipeline(sock, out, () => undefined);
  return out;
}

/** An acknowledged output attachment as the caller's stream plus its AckedOutput (acked-output.ts). */
function ackedInto(c: EmulatorClient, systemId: string, pid: number, stdio: ProcessStdio, name: 'stdout' | 'stderr', a: Attachment): void {
  const { stream, acks } = ackedOutput(c, systemId, pid, name, a);
  stdio[name] = stream;
  stdio.acks = { ...stdio.acks, [name]: acks };
}

/** Per-client bookkeeping of open handles, re-opened on the service after a reconnect. */
class HandleTable {
  systems = new Map<string, number>();
  /** Systems opened as job containers (re-opened with openJob). */
  jobs = new Set<string>();
  processes = new Map<string, number>();
  inc(m: Map<string, number>, k: string): void { m.set(k, (m.get(k) ?? 0) + 1); }
  dec(m: Map<string, number>, k: string): void { const n = (m.get(k) ?? 1) - 1; if (n > 0) m.set(k, n); else m.delete(k); }
}

class EmuSystem implements ComputeSystem {
  private closed = false;
  constructor(readonly id: string, private readonly c: EmulatorClient, private readonly owner: EmuCompute) {}
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
      'createProcess', { params: j(params) });
    this.owner.handles.inc(this.owner.handles.processes, `${this.id}/${r.pid}`);
    const stdio: ProcessStdio = {};
    try {
      if (r.streams.stdin) stdio.stdin = await this.c.attach(this.id, r.pid, 'stdin');
      for (const name of ['stdout', 'stderr'] as const) {
        if (!r.streams[name]) continue;
        if (opts.ackedOutput) ackedInto(this.c, this.id, r.pid, stdio, name, await this.c.attachAcked(this.id, r.pid, name, 0));
        else stdio[name] = heldOutput(await this.c.attach(this.id, r.pid, name));
      }
    } catch (e) {
      for (const s of Object.values(stdio)) (s as Socket | PassThrough).destroy();
      throw e;
    }
    return new EmuProcess(this.id, r.pid, stdio, this.c, this.owner);
  }
  async openProcess(pid: number): Promise<ComputeProcess> {
    await this.call('openProcess', { pid });
    this.owner.handles.inc(this.owner.handles.processes, `${this.id}/${pid}`);
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

class EmuProcess implements ComputeProcess {
  private closed = false;
  constructor(private readonly systemId: string, readonly pid: number, readonly stdio: ProcessStdio,
    private readonly c: EmulatorClient, private readonly owner: EmuCompute) {}
  private call<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    return this.c.request<T>(method, { id: this.systemId, pid: this.pid, ...params });
  }
  signal(options: SignalProcessOptionsDoc): Promise<void> { return this.call('signalProcess', { options: j(options) }); }
  terminate(): Promise<void> { return this.call('terminateProcess'); }
  getProperties(): Promise<ProcessStatusDoc> { return this.call('processProperties'); }
  modify(request: ProcessModifyRequestDoc): Promise<void> { return this.call('modifyProcess', { request: j(request) }); }
  waitExit(): Promise<ProcessStatusDoc> { return this.call('waitProcess'); }
  /** A process without a pipe (or whose pipe is already attached) just lacks that stream. */
  async reopenOutput(from?: { stdout?: number; stderr?: number }): Promise<ProcessStdio> {
    const stdio: ProcessStdio = {};
    await Promise.all((['stdout', 'stderr'] as const).map(async (name) => {
      try {
        if (from) ackedInto(this.c, this.systemId, this.pid, stdio, name, await this.c.attachAcked(this.systemId, this.pid, name, from[name] ?? 0));
        else stdio[name] = heldOutput(await this.c.attach(this.systemId, this.pid, name));
      } catch { /* no such pipe, or already attached */ }
    }));
    return stdio;
  }
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.owner.handles.dec(this.owner.handles.processes, `${this.systemId}/${this.pid}`);
    this.call('closeProcess').catch(() => undefined);
  }
}

class EmuCompute implements ComputeService {
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
    c.reopen = async (send) => {
      for (const [id, n] of this.handles.systems) {
        const method = this.handles.jobs.has(id) ? 'openJob' : 'openSystem';
        for (let i = 0; i < n; i++) await send(method, { id }).catch(() => undefined);
      }
      for (const k of this.handles.processes.keys()) {
        const [id, pid] = [k.slice(0, k.lastIndexOf('/')), Number(k.slice(k.lastIndexOf('/') + 1))];
        await send('openProcess', { id, pid }).catch(() => undefined);
      }
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

function safeCall<T>(f: (x: T) => void, x: T): void {
  try { f(x); } catch { /* listener errors are the listener's business */ }
}

class EmuNetwork implements NetworkService {
  constructor(private readonly c: EmulatorClient) {}
  createNetwork(id: string, settings: HostComputeNetworkDoc): Promise<HostComputeNetworkDoc> { return this.c.request('createNetwork', { id, settings: j(settings) }); }
  queryNetwork(id: string): Promise<HostComputeNetworkDoc> { return this.c.request('queryNetwork', { id }); }
  deleteNetwork(id: string): Promise<void> { return this.c.request('deleteNetwork', { id }); }
  enumerateNetworks(query?: HcnQueryDoc): Promise<HostComputeNetworkDoc[]> { return this.c.request('enumerateNetworks', { query: j(query) }); }
  modifyNetwork(id: string, request: ModifyNetworkSettingRequestDoc): Promise<void> { return this.c.request('modifyNetwork', { id, request: j(request) }); }
  createEndpoint(networkId: string, id: string, settings: HostComputeEndpointDoc): Promise<HostComputeEndpointDoc> {
    return this.c.request('createEndpoint', { networkId, id, settings: j(settings) });
  }
  queryEndpoint(id: string): Promise<HostComputeEndpointDoc> { return this.c.request('queryEndpoint', { id }); }
  deleteEndpoint(id: string): Promise<void> { return this.c.request('deleteEndpoint', { id }); }
  enumerateEndpoints(query?: HcnQueryDoc): Promise<HostComputeEndpointDoc[]> { return this.c.request('enumerateEndpoints', { query: j(query) }); }
  queryEndpointStats(id: string): Promise<EndpointStatsDoc> { return this.c.request('queryEndpointStats', { id }); }
  createNamespace(id: string, settings: HostComputeNamespaceDoc): Promise<HostComputeNamespaceDoc> { return this.c.request('createNamespace', { id, settings: j(settings) }); }
  queryNamespace(id: string): Promise<HostComputeNamespaceDoc> { return this.c.request('queryNamespace', { id }); }
  modifyNamespace(id: string, request: ModifyNamespaceSettingRequestDoc): Promise<void> { return this.c.request('modifyNamespace', { id, request: j(request) }); }
  deleteNamespace(id: string): Promise<void> { return this.c.request('deleteNamespace', { id }); }
  enumerateNamespaces(query?: HcnQueryDoc): Promise<HostComputeNamespaceDoc[]> { return this.c.request('enumerateNamespaces', { query: j(query) }); }
  dialInNamespace(namespaceId: string, port: number): Promise<Duplex> {
    return dialInNamespace((id) => this.c.request<string | null>('namespaceNetns', { id }), namespaceId, port);
  }
}

class EmuStorage implements StorageService {
  constructor(private readonly c: EmulatorClient) {}
  importLayer(layerPath: string, sourceFolderPath: string, layerData: LayerDataDoc): Promise<void> {
    return this.c.request('importLayer', { layerPath, sourceFolderPath, layerData: j(layerData) });
  }
  destroyLayer(layerPath: string): Promise<void> { return this.c.request('destroyLayer', { layerPath }); }
  initializeWritableLayer(layerPath: string, layerData: LayerDataDoc): Promise<void> {
    return this.c.request('initializeWritableLayer', { layerPath, layerData: j(layerData) });
  }
  expandWritableLayer(layerPath: string, sizeInBytes: number): Promise<void> { return this.c.request('expandWritableLayer', { layerPath, sizeInBytes }); }
  attachLayerStorageFilter(layerPath: string, layerData: LayerDataDoc): Promise<void> {
    return this.c.request('attachLayerStorageFilter', { layerPath, layerData: j(layerData) });
  }
  detachLayerStorageFilter(layerPath: string): Promise<void> { return this.c.request('detachLayerStorageFilter', { layerPath }); }
  getLayerMountPath(layerPath: string): Promise<string> { return this.c.request('getLayerMountPath', { layerPath }); }
  layerUsage(layerPath: string): Promise<{ usedBytes: number; inodesUsed: number }> { return this.c.request('layerUsage', { layerPath }); }
  async createContainerDirectory(mountPath: string, containerPath: string): Promise<void> { await this.c.request('createContainerDirectory', { mountPath, path: containerPath }); }
}

/**
 * Connects to the emulator service of `stateDir`, spawning it detached if nothing listens (unless
 * spawnService === false). osVersion / architecture are only used when this call spawns the service; the
 * platform's `host` reports what the running service says.
 */
export async function createEmulatorPlatform(opts: EmulatorOptions): Promise<EmulatorPlatform> {
  const client = new EmulatorClient({
    stateDir: opts.stateDir, osVersion: opts.osVersion, architecture: opts.architecture, spawnService: opts.spawnService,
    connectTimeoutMs: opts.connectTimeoutMs,
  });
  let hello: { osVersion: string; architecture: string; pid: number };
  try {
    hello = await client.request('hello');
  } catch (e) { client.close(); throw e; }
  const compute = new EmuCompute(client);
  return {
    name: 'emulator',
    compute,
    jobs: new EmuJobs(client, (id) => compute.adoptJob(id)),
    network: new EmuNetwork(client),
    storage: new EmuStorage(client),
    host: { osVersion: hello.osVersion, architecture: hello.architecture },
    async close() { client.close(); },
    async injectFault(op, hresult, count = 1, delayMs) { await client.request('injectFault', { op, hresult, count, delayMs }); },
    async clearFaults(op) { await client.request('clearFaults', { op }); },
    async servicePid() { return (await client.request<{ pid: number }>('hello')).pid; },
    async diagnostics() { return networkingDiagnostics(await compute.getServiceProperties()); },
    attachStdio(systemId, pid, stream) { return client.attach(systemId, pid, stream); },
    describeJob(id) { return client.request('describeJob', { id }); },
  };
}

/** The emulator service's networking facts as a Status condition (pods without real networking are surprising). */
export function networkingDiagnostics(props: ServicePropertiesDoc): PlatformCondition[] {
  const n = props.Networking as { LinuxNetworking?: boolean; Reason?: string; Degraded?: { Network: string; Reason: string }[] } | undefined;
  if (!n) return [];
  const type = 'EmulatorNetworking';
  if (!n.LinuxNetworking) {
    return [{ type, ok: false, reason: 'NoLinuxNetworking', message: `pods get no network of their own (they see the host network namespace; HNS objects are bookkeeping only): ${n.Reason ?? 'unknown reason'}. ` +
      'Real networking needs the emulator service running as root with `ip` (iproute2) and `nft` (nftables) installed: apt-get install iproute2 nftables' }];
  }
  if (n.Degraded?.length) {
    return [{ type, ok: false, reason: 'NetworkDegraded', message: n.Degraded.map((d) => `network ${d.Network}: ${d.Reason}`).join('; ') }];
  }
  return [{ type, ok: true, reason: '', message: '' }];
}

/** Client helper for reliability tests: arm a fault on the service of `platform`. */
export function injectFault(platform: EmulatorPlatform, op: string, hresult: number, count = 1, delayMs?: number): Promise<void> {
  return platform.injectFault(op, hresult, count, delayMs);
}

function pidAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

/** Terminates every compute system of the service of `stateDir`, then the service itself (for tests). */
export async function stopEmulatorService(stateDir: string): Promise<void> {
  let pid: number | undefined;
  try { pid = Number(readFileSync(join(stateDir, PID_NAME), 'utf8').trim()) || undefined; } catch { /* none */ }
  const client = new EmulatorClient({ stateDir, spawnService: false, connectTimeoutMs: 2000 });
  try {
    const hello = await client.request<{ pid: number }>('hello');
    pid = hello.pid;
    await client.request('stopService');
  } catch { /* not running or already going */ } finally { client.close(); }
  if (!pid) return;
  const deadline = Date.now() + 10_000;
  while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (pidAlive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
}
