/**
 * Pods and containers: lifecycle, stores, names, events, recovery. A pod is an HNS namespace (no pause
 * container: process-isolated containers join the namespace directly); a container is an HCS compute system
 * whose init process is started through the IO keeper, which owns its stdio and CRI log.
 */
import { EventEmitter } from 'node:events';
import { cpus } from 'node:os';
import { join, isAbsolute } from 'node:path';
import { rm, readdir } from 'node:fs/promises';
import type { Platform, ComputeSystem, ComputeProcess } from '../platform/types.js';
import type { ContainerSpec } from '../platform/spec.js';
import type { ProcessParametersDoc } from '../platform/hcs/schema/index.js';
import { isGone, isPlatformError } from '../platform/hresult.js';
import {
  buildContainerDocument, buildProcessParameters, buildResourceUpdateRequests, signalOptions, layerId, parseStatistics,
} from '../platform/hcs/document/index.js';
import { buildNamespace } from '../platform/hcn/document/index.js';
import { logger } from '../util/log.js';
import { writeFileAtomic } from '../util/atomic.js';
import { RecordStore } from './store.js';
import { IdIndex, generateId, generateGuid } from './ids.js';
import { NameRegistry, sandboxName, containerName } from './names.js';
import { KeyedMutex, within } from './locks.js';
import {
  type ContainerConfig, type ContainerRecord, type SandboxConfig, type SandboxRecord, type WindowsResources, nowNs,
} from './model.js';
import type { ImageProvider, IoKeeper, ExitReport, PodNetwork, PodNetworkRequest, PodNetworkStatus } from './ports.js';
import { buildContainerSpec, prepareMountSources, specResources } from './spec.js';
import { filterContainers, filterSandboxes, type ContainerFilter, type SandboxFilter } from './filters.js';
import {
  notFound, invalidArgument, failedPrecondition, deadlineExceeded, errorMessage,
} from './errors.js';

export type { ContainerFilter, SandboxFilter };

const log = logger('runtime');

export const OWNER = 'wincri';

export interface RuntimeOptions {
  platform: Platform;
  images: ImageProvider;
  keeper: IoKeeper;
  /** Directory for pod/container records. */
  stateDir: string;
  /** Directory for writable layers. */
  scratchDir: string;
  runtimeHandlers: string[];
  maxLogLineSize: number;
  shutdownTimeoutSeconds: number;
  execSyncMaxOutputBytes: number;
  /** Pod networking (CNI). Without it pods get a namespace but no endpoint. */
  network?: PodNetwork;
}

export type ContainerEventType =
  | 'CONTAINER_CREATED_EVENT' | 'CONTAINER_STARTED_EVENT' | 'CONTAINER_STOPPED_EVENT' | 'CONTAINER_DELETED_EVENT';

export interface ContainerEvent {
  containerId: string;
  type: ContainerEventType;
  createdAt: string;
  sandboxId: string;
}

export interface ExecResult { stdout: Buffer; stderr: Buffer; exitCode: number }

type StoredContainer = ContainerRecord & { spec: ContainerSpec; storagePath: string; layers: { id: string; path: string }[] };

export class Runtime {
  readonly events = new EventEmitter();
  private readonly index = new IdIndex();
  private readonly names = new NameRegistry();
  private readonly locks = new KeyedMutex();
  private readonly exitWaiters = new Map<string, (() => void)[]>();
  private readonly earlyExits = new Map<string, ExitReport>();
  private readonly lastCpu = new Map<string, { ts: bigint; cpu: bigint }>();
  private ready = false;

  private constructor(
    private readonly opts: RuntimeOptions,
    private readonly sandboxes: RecordStore<SandboxRecord>,
    private readonly containers: RecordStore<StoredContainer>,
  ) {
    this.events.setMaxListeners(0);
  }

  static async open(opts: RuntimeOptions): Promise<Runtime> {
    const sandboxes = await RecordStore.open<SandboxRecord>(join(opts.stateDir, 'sandboxes'));
    const containers = await RecordStore.open<StoredContainer>(join(opts.stateDir, 'containers'));
    const rt = new Runtime(opts, sandboxes, containers);
    for (const s of sandboxes.list()) {
      rt.index.add(s.id);
      rt.names.reserve(sandboxName(s.config.metadata), s.id, 'pod sandbox');
    }
    for (const c of containers.list()) {
      rt.index.add(c.id);
      const pod = sandboxes.get(c.sandboxId);
      if (pod) rt.names.reserve(containerName(c.config.metadata, pod.config.metadata), c.id, 'container');
    }
    opts.keeper.onExit((e) => { void rt.handleExit(e); });
    return rt;
  }

  get isReady(): boolean { return this.ready; }

  // ───────────────────────────── recovery ─────────────────────────────

  /**
   * Reconciles records with the platform after a (re)start: containers that kept running stay running (their
   * stdio is held by the IO keeper, which kept logging); exits that happened while the daemon was down are
   * applied; compute systems and namespaces that no record owns are reported and removed.
   */
  async recover(): Promise<void> {
    const attached = new Map((await this.opts.keeper.list()).map((a) => [a.containerId, a]));
    const systems = await this.opts.platform.compute.enumerateComputeSystems({ Owners: [OWNER] });
    const systemIds = new Set(systems.map((s) => s.Id).filter((x): x is string => !!x));

    for (const c of this.containers.list()) {
      const a = attached.get(c.id);
      if (c.state === 'CONTAINER_RUNNING') {
        if (a?.exited) {
          await this.handleExit({ containerId: c.id, pid: a.pid, exitCode: a.exited.exitCode, exitedAt: a.exited.exitedAt });
        } else if (!a || !systemIds.has(c.id)) {
          log.warn('container lost while the runtime was down; marking it exited', { id: c.id, keeper: !!a, system: systemIds.has(c.id) });
          await this.markExited(c, 255, 'Unknown', 'container state was lost while the runtime was not running');
        } else {
          log.info('container kept running across restart', { id: c.id, pid: a.pid });
        }
      }
    }
    for (const s of systems) {
      if (s.Id && !this.containers.get(s.Id)) {
        log.warn('removing orphaned compute system (no container record)', { id: s.Id });
        await this.destroySystem(s.Id);
      }
    }
    for (const [id] of attached) {
      if (!this.containers.get(id)) {
        log.warn('keeper holds an unknown container; forgetting it', { id });
        await this.opts.keeper.forget(id).catch(() => undefined);
      }
    }
    // Namespaces: pods whose namespace vanished become NOTREADY; namespaces without a pod are deleted.
    const namespaces = await this.opts.platform.network.enumerateNamespaces();
    const nsIds = new Set(namespaces.map((n) => n.ID?.toLowerCase()).filter((x): x is string => !!x));
    const owned = new Set<string>();
    for (const s of this.sandboxes.list()) {
      if (!s.namespaceId) continue;
      owned.add(s.namespaceId.toLowerCase());
      if (s.state === 'SANDBOX_READY' && !nsIds.has(s.namespaceId.toLowerCase())) {
        log.warn('pod network namespace vanished; pod is NOTREADY', { id: s.id, namespace: s.namespaceId });
        s.state = 'SANDBOX_NOTREADY';
        // namespaceId stays: StopPodSandbox still runs CNI DEL (with an empty netns) and treats the
        // namespace as already deleted.
        await this.sandboxes.save(s);
      }
    }
    if (this.opts.network) {
      // CNI attachments of pods that no longer exist: DEL from the result cache, then CNI GC (1.1).
      await this.opts.network.gc(this.sandboxes.list().map((s) => s.id))
        .catch((e) => log.error('CNI garbage collection failed', { error: errorMessage(e) }));
    }
    const knownNs = await this.ownedNamespaceMarkers();
    for (const n of namespaces) {
      const id = n.ID?.toLowerCase();
      if (id && knownNs.has(id) && !owned.has(id)) {
        log.warn('removing orphaned network namespace', { namespace: id });
        await this.opts.platform.network.deleteNamespace(id).catch(() => undefined);
      }
    }
    this.ready = true;
  }

  /** Namespaces this runtime created (recorded so that foreign namespaces are never touched). */
  private async ownedNamespaceMarkers(): Promise<Set<string>> {
    const dir = join(this.opts.stateDir, 'namespaces');
    try {
      return new Set((await readdir(dir)).map((f) => f.replace(/\.json$/, '').toLowerCase()));
    } catch {
      return new Set();
    }
  }

  private async markNamespace(id: string, owned: boolean): Promise<void> {
    const file = join(this.opts.stateDir, 'namespaces', `${id.toLowerCase()}.json`);
    if (owned) {
      await writeFileAtomic(file, JSON.stringify({ id }));
    } else {
      await rm(file, { force: true });
    }
  }

  // ───────────────────────────── network ─────────────────────────────

  /** NetworkReady condition for Status. */
  async networkStatus(): Promise<PodNetworkStatus> {
    if (!this.opts.network) return { ready: true, reason: '', message: '' };
    return this.opts.network.status();
  }

  /** UpdateRuntimeConfig's pod CIDR. */
  async setPodCidr(cidr: string): Promise<void> {
    await this.opts.network?.setPodCidr(cidr);
  }

  // ───────────────────────────── sandboxes ─────────────────────────────

  async runPodSandbox(config: SandboxConfig, runtimeHandler: string): Promise<string> {
    const m = config.metadata;
    if (!m.name) throw invalidArgument('config.metadata.name is required');
    if (!m.namespace) throw invalidArgument('config.metadata.namespace is required');
    if (!m.uid) throw invalidArgument('config.metadata.uid is required');
    if (runtimeHandler && !this.opts.runtimeHandlers.includes(runtimeHandler)) {
      throw invalidArgument(`runtime_handler "${runtimeHandler}" is not configured (known: "", ${this.opts.runtimeHandlers.map((h) => `"${h}"`).join(', ')})`);
    }
    if (config.logDirectory && !isAbsolute(config.logDirectory) && !/^[\\/]/.test(config.logDirectory)) {
      throw invalidArgument(`config.log_directory "${config.logDirectory}" must be an absolute path`);
    }
    const id = generateId();
    const name = sandboxName(m);
    this.names.reserve(name, id, 'pod sandbox');
    const undo: (() => Promise<unknown>)[] = [async () => this.names.release(name, id)];
    try {
      let namespaceId: string | undefined;
      if (!config.hostProcess) {
        namespaceId = generateGuid();
        await this.markNamespace(namespaceId, true);
        undo.push(() => this.markNamespace(namespaceId!, false));
        await this.opts.platform.network.createNamespace(namespaceId, buildNamespace());
        undo.push(() => this.opts.platform.network.deleteNamespace(namespaceId!));
      }
      let ips: string[] = [];
      if (namespaceId && this.opts.network) {
        // CNI ADD rolls itself back (DEL) when it fails; once it succeeded a later failure needs a DEL.
        const req = networkRequest(id, config, namespaceId);
        ips = (await this.opts.network.setUp(req)).ips;
        undo.push(() => this.opts.network!.tearDown(req));
      }
      const rec: SandboxRecord = {
        id, config, runtimeHandler, createdAt: nowNs(), state: 'SANDBOX_READY', namespaceId, additionalIps: ips.slice(1),
      };
      if (ips[0]) rec.ip = ips[0];
      await this.sandboxes.save(rec);
      this.index.add(id);
      this.emit(id, 'CONTAINER_CREATED_EVENT', id);
      this.emit(id, 'CONTAINER_STARTED_EVENT', id);
      log.info('pod sandbox ready', { id, pod: `${m.namespace}/${m.name}`, attempt: m.attempt, namespace: namespaceId });
      return id;
    } catch (e) {
      for (const u of undo.reverse()) await u().catch((ue) => log.error('rollback step failed', { error: errorMessage(ue) }));
      throw e;
    }
  }

  async stopPodSandbox(idOrPrefix: string): Promise<void> {
    const id = this.index.resolve(idOrPrefix, 'pod sandbox ID');
    if (!id || !this.sandboxes.get(id)) return; // idempotent: unknown pods are already stopped
    const inPod = this.containers.list().filter((c) => c.sandboxId === id);
    await Promise.all(inPod.map((c) => this.stopContainer(c.id, 0)));
    await this.locks.run(id, async () => {
      const s = this.sandboxes.get(id);
      if (!s) return;
      if (s.namespaceId && this.opts.network) {
        // DEL before the namespace goes; CNI_NETNS is empty when the namespace is already gone.
        let present = true;
        try { await this.opts.platform.network.queryNamespace(s.namespaceId); } catch (e) { if (isGone(e)) present = false; else throw e; }
        await this.opts.network.tearDown(networkRequest(s.id, s.config, present ? s.namespaceId : ''));
      }
      if (s.namespaceId) {
        try {
          await this.opts.platform.network.deleteNamespace(s.namespaceId);
        } catch (e) {
          if (!isGone(e)) throw e;
        }
        await this.markNamespace(s.namespaceId, false);
        s.namespaceId = undefined;
      }
      if (s.state !== 'SANDBOX_NOTREADY') {
        s.state = 'SANDBOX_NOTREADY';
        s.ip = undefined;
        s.additionalIps = [];
        await this.sandboxes.save(s);
        this.emit(id, 'CONTAINER_STOPPED_EVENT', id);
        log.info('pod sandbox stopped', { id });
      }
    });
  }

  async removePodSandbox(idOrPrefix: string): Promise<void> {
    const id = this.index.resolve(idOrPrefix, 'pod sandbox ID');
    if (!id || !this.sandboxes.get(id)) return;
    await this.stopPodSandbox(id);
    for (const c of this.containers.list().filter((x) => x.sandboxId === id)) await this.removeContainer(c.id);
    await this.locks.run(id, async () => {
      const s = this.sandboxes.get(id);
      if (!s) return;
      await this.sandboxes.delete(id);
      this.index.delete(id);
      this.names.release(sandboxName(s.config.metadata), id);
      this.emit(id, 'CONTAINER_DELETED_EVENT', id);
      log.info('pod sandbox removed', { id });
    });
  }

  getSandbox(idOrPrefix: string): SandboxRecord {
    const id = this.index.mustResolve(idOrPrefix, 'pod sandbox');
    const s = this.sandboxes.get(id);
    if (!s) throw notFound(`pod sandbox "${idOrPrefix}" not found`);
    return s;
  }

  listPodSandbox(filter?: SandboxFilter): SandboxRecord[] {
    return filterSandboxes(this.sandboxes.list(), filter, (p) => this.safeResolve(p));
  }

  containersOf(sandboxId: string): ContainerRecord[] {
    return this.containers.list().filter((c) => c.sandboxId === sandboxId);
  }

  // ───────────────────────────── containers ─────────────────────────────

  async createContainer(sandboxIdOrPrefix: string, config: ContainerConfig): Promise<string> {
    if (!config.metadata.name) throw invalidArgument('config.metadata.name is required');
    if (!config.image.image) throw invalidArgument('config.image.image is required');
    if (!sandboxIdOrPrefix) throw invalidArgument('pod_sandbox_id is required');
    const pod = this.getSandbox(sandboxIdOrPrefix);
    if (pod.state !== 'SANDBOX_READY') throw failedPrecondition(`pod sandbox ${pod.id} is not ready (${pod.state})`);
    const image = await this.opts.images.resolveForContainer(config.image.image);
    const mounts = await prepareMountSources(config);
    const id = generateId();
    const spec = buildContainerSpec(id, config, image, pod, mounts);
    const name = containerName(config.metadata, pod.config.metadata);
    this.names.reserve(name, id, 'container');
    const undo: (() => Promise<unknown>)[] = [async () => this.names.release(name, id)];
    const { platform } = this.opts;
    try {
      await this.opts.images.acquire(image.id, id);
      undo.push(() => this.opts.images.release(id));
      const scratchPath = join(this.opts.scratchDir, id);
      const layerData = { SchemaVersion: { Major: 2, Minor: 1 }, Layers: image.layerPaths.map((p) => ({ Id: layerId(p), Path: p })) };
      undo.push(() => platform.storage.destroyLayer(scratchPath));
      await platform.storage.initializeWritableLayer(scratchPath, layerData);
      await platform.storage.attachLayerStorageFilter(scratchPath, layerData);
      undo.push(() => platform.storage.detachLayerStorageFilter(scratchPath));
      const storagePath = await platform.storage.getLayerMountPath(scratchPath);
      const layers = layerData.Layers.map((l) => ({ id: l.Id, path: l.Path }));
      // Build the document now so a bad config fails CreateContainer; the compute system itself is created
      // at start (as containerd creates its task), so resource updates before start just rebuild it.
      this.systemDocument(spec, storagePath, layers);
      const logFile = config.logPath && pod.config.logDirectory ? join(pod.config.logDirectory, config.logPath) : '';
      const rec: StoredContainer = {
        id, sandboxId: pod.id, config, spec,
        imageId: image.id,
        imageName: image.repoTags[0] ?? image.id,
        imageRef: image.repoDigests[0] ?? image.id,
        createdAt: nowNs(), startedAt: '0', finishedAt: '0',
        state: 'CONTAINER_CREATED', exitCode: 0, reason: '', message: '',
        scratchPath, storagePath, layers, logFile, resources: config.windows.resources,
      };
      await this.containers.save(rec);
      this.index.add(id);
      this.emit(id, 'CONTAINER_CREATED_EVENT', pod.id);
      log.info('container created', { id, name: config.metadata.name, pod: pod.id, image: image.id });
      return id;
    } catch (e) {
      for (const u of undo.reverse()) await u().catch((ue) => log.error('rollback step failed', { error: errorMessage(ue) }));
      throw e;
    }
  }

  async startContainer(idOrPrefix: string): Promise<void> {
    const id = this.index.mustResolve(idOrPrefix, 'container');
    await this.locks.run(id, async () => {
      const c = this.mustContainer(id);
      if (c.state !== 'CONTAINER_CREATED') throw failedPrecondition(`container ${id} is in ${c.state} state; only a created container can be started`);
      const pod = this.sandboxes.get(c.sandboxId);
      if (!pod || pod.state !== 'SANDBOX_READY') throw failedPrecondition(`pod sandbox ${c.sandboxId} of container ${id} is not ready`);
      let system: ComputeSystem | undefined;
      try {
        system = await this.opts.platform.compute.createComputeSystem(id, this.systemDocument(c.spec, c.storagePath, c.layers));
        await system.start();
        const params = buildProcessParameters(c.spec.process, { stdin: c.config.stdin, stdout: true, stderr: !c.config.tty });
        const { pid } = await this.opts.keeper.start({
          containerId: id, systemId: id, process: params, logPath: c.logFile, maxLineSize: this.opts.maxLogLineSize,
        });
        c.state = 'CONTAINER_RUNNING';
        c.pid = pid;
        c.startedAt = nowNs();
        await this.containers.save(c);
        this.emit(id, 'CONTAINER_STARTED_EVENT', c.sandboxId);
        log.info('container started', { id, pid });
      } catch (e) {
        c.state = 'CONTAINER_EXITED';
        c.exitCode = 128;
        c.reason = 'StartError';
        c.message = errorMessage(e);
        c.finishedAt = nowNs();
        await this.containers.save(c);
        void this.shutdownSystem(id, 0);
        throw e;
      } finally {
        system?.close();
      }
      const early = this.earlyExits.get(id);
      if (early) {
        this.earlyExits.delete(id);
        setImmediate(() => void this.handleExit(early));
      }
    });
  }

  /** Applies an init-process exit reported by the IO keeper (after its output was drained into the log). */
  private async handleExit(e: ExitReport): Promise<void> {
    const c = this.containers.get(e.containerId);
    if (!c) {
      await this.opts.keeper.forget(e.containerId).catch(() => undefined);
      return;
    }
    if (c.state === 'CONTAINER_CREATED') {
      this.earlyExits.set(c.id, e); // start still in progress; applied when it finishes
      return;
    }
    if (c.state === 'CONTAINER_RUNNING') {
      c.state = 'CONTAINER_EXITED';
      c.exitCode = e.exitCode;
      c.finishedAt = e.exitedAt && e.exitedAt !== '0' ? e.exitedAt : nowNs();
      c.reason = e.exitCode === 0 ? 'Completed' : 'Error';
      c.message = '';
      c.pid = undefined;
      c.stopRequested = undefined;
      await this.containers.save(c);
      this.emit(c.id, 'CONTAINER_STOPPED_EVENT', c.sandboxId);
      log.info('container exited', { id: c.id, exitCode: e.exitCode });
      void this.shutdownSystem(c.id, this.opts.shutdownTimeoutSeconds);
    }
    await this.opts.keeper.ack(c.id).catch((err) => log.warn('keeper ack failed', { id: c.id, error: errorMessage(err) }));
    for (const w of this.exitWaiters.get(c.id) ?? []) w();
    this.exitWaiters.delete(c.id);
  }

  private async markExited(c: StoredContainer, exitCode: number, reason: string, message: string): Promise<void> {
    c.state = 'CONTAINER_EXITED';
    c.exitCode = exitCode;
    c.reason = reason;
    c.message = message;
    c.finishedAt = nowNs();
    c.pid = undefined;
    await this.containers.save(c);
    this.emit(c.id, 'CONTAINER_STOPPED_EVENT', c.sandboxId);
    for (const w of this.exitWaiters.get(c.id) ?? []) w();
    this.exitWaiters.delete(c.id);
  }

  private waitExit(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c || c.state !== 'CONTAINER_RUNNING') return Promise.resolve();
    return new Promise((r) => {
      const list = this.exitWaiters.get(id) ?? [];
      list.push(r);
      this.exitWaiters.set(id, list);
    });
  }

  /**
   * Graceful stop (CtrlShutdown to the init process), forced termination after `timeoutSeconds`. Synchronous:
   * returns once the container is EXITED. Unknown, created and exited containers: no-op.
   */
  async stopContainer(idOrPrefix: string, timeoutSeconds: number): Promise<void> {
    const id = this.index.resolve(idOrPrefix, 'container ID');
    if (!id) return;
    const c = this.containers.get(id);
    if (!c) return;
    if (c.state === 'CONTAINER_UNKNOWN') {
      await this.destroySystem(id);
      await this.markExited(c, 255, 'Unknown', c.message || 'container state unknown');
      return;
    }
    if (c.state !== 'CONTAINER_RUNNING') return;
    c.stopRequested = true;
    const exited = this.waitExit(id);
    const pid = c.pid;
    let system: ComputeSystem | undefined;
    let proc: ComputeProcess | undefined;
    try {
      system = await this.opts.platform.compute.openComputeSystem(id);
      if (pid !== undefined) proc = await system.openProcess(pid);
    } catch (e) {
      if (!isGone(e)) log.warn('cannot open container for stop', { id, error: errorMessage(e) });
    }
    try {
      if (timeoutSeconds > 0 && proc) {
        // Windows containers get a console CtrlShutdown; HCS may block the signal call until the target
        // exits, so it runs in the background while we wait for the exit or the timeout.
        proc.signal(signalOptions('graceful')).catch((e) => { if (!isGone(e)) log.warn('graceful stop signal failed', { id, error: errorMessage(e) }); });
        if (await within(exited, timeoutSeconds * 1000)) return;
        log.info('container did not stop within its grace period; terminating', { id, timeoutSeconds });
      }
      if (proc) await proc.terminate().catch((e) => { if (!isGone(e)) throw e; });
      if (system) await system.terminate().catch((e) => { if (!isGone(e) && !isPlatformError(e, 'HCS_E_INVALID_STATE')) throw e; });
      if (await within(exited, 10_000)) return;
      // The keeper never reported the exit (process or keeper gone): record it ourselves.
      const cur = this.containers.get(id);
      if (cur && cur.state === 'CONTAINER_RUNNING') {
        log.warn('no exit report after termination; marking exited', { id });
        await this.markExited(cur, 137, 'Error', 'terminated by the runtime; exit status unavailable');
      }
    } finally {
      proc?.close();
      system?.close();
    }
  }

  async removeContainer(idOrPrefix: string): Promise<void> {
    const id = this.index.resolve(idOrPrefix, 'container ID');
    if (!id || !this.containers.get(id)) return;
    await this.stopContainer(id, 0);
    await this.locks.run(id, async () => {
      const c = this.containers.get(id);
      if (!c) return;
      await this.destroySystem(id);
      const { storage } = this.opts.platform;
      await storage.detachLayerStorageFilter(c.scratchPath).catch((e) => { if (!isGone(e)) log.warn('detach failed', { id, error: errorMessage(e) }); });
      await storage.destroyLayer(c.scratchPath);
      await this.opts.keeper.forget(id).catch((e) => log.warn('keeper forget failed', { id, error: errorMessage(e) }));
      await this.opts.images.release(id);
      await this.containers.delete(id);
      this.index.delete(id);
      this.lastCpu.delete(id);
      const pod = this.sandboxes.get(c.sandboxId);
      if (pod) this.names.release(containerName(c.config.metadata, pod.config.metadata), id);
      this.emit(id, 'CONTAINER_DELETED_EVENT', c.sandboxId);
      log.info('container removed', { id });
    });
  }

  getContainer(idOrPrefix: string): ContainerRecord {
    return this.mustContainer(this.index.mustResolve(idOrPrefix, 'container'));
  }

  listContainers(filter?: ContainerFilter): ContainerRecord[] {
    return filterContainers(this.containers.list(), filter, (p) => this.safeResolve(p));
  }

  async updateContainerResources(idOrPrefix: string, resources: WindowsResources | undefined): Promise<void> {
    const id = this.index.mustResolve(idOrPrefix, 'container');
    await this.locks.run(id, async () => {
      const c = this.mustContainer(id);
      if (!resources) return;
      if (c.state === 'CONTAINER_EXITED' || c.state === 'CONTAINER_UNKNOWN') {
        throw failedPrecondition(`container ${id} is in ${c.state} state; resources can only be updated while it is created or running`);
      }
      if (c.state === 'CONTAINER_RUNNING') {
        const system = await this.opts.platform.compute.openComputeSystem(id);
        try {
          for (const r of buildResourceUpdateRequests(specResources(resources) ?? {}, { hostProcessorCount: cpus().length })) await system.modify(r);
        } finally {
          system.close();
        }
      } else {
        // Created but not started: the compute system does not exist yet; the new limits go into its document.
        c.spec.windows.resources = specResources(resources);
        this.systemDocument(c.spec, c.storagePath, c.layers);
      }
      c.resources = resources;
      c.config.windows.resources = resources;
      await this.containers.save(c);
    });
  }

  async reopenContainerLog(idOrPrefix: string): Promise<void> {
    const c = this.getContainer(idOrPrefix);
    if (c.state !== 'CONTAINER_RUNNING') throw failedPrecondition(`container ${c.id} is not running (${c.state}); its log cannot be reopened`);
    if (!c.logFile) throw failedPrecondition(`container ${c.id} has no log path`);
    await this.opts.keeper.reopenLog(c.id);
  }

  /** Runs a command in a running container and collects its output (capped), honouring the timeout. */
  async execSync(idOrPrefix: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
    const c = this.getContainer(idOrPrefix) as StoredContainer;
    if (cmd.length === 0) throw invalidArgument('cmd must not be empty');
    if (c.state !== 'CONTAINER_RUNNING') throw failedPrecondition(`container ${c.id} is not running (${c.state})`);
    const params: ProcessParametersDoc = buildProcessParameters(
      { ...c.spec.process, args: cmd, commandLine: undefined, terminal: false },
      { stdin: false, stdout: true, stderr: true },
    );
    const system = await this.opts.platform.compute.openComputeSystem(c.id);
    let proc: ComputeProcess | undefined;
    try {
      proc = await system.createProcess(params);
      const cap = this.opts.execSyncMaxOutputBytes;
      const stdout = collect(proc.stdio.stdout, cap);
      const stderr = collect(proc.stdio.stderr, cap);
      const exit = proc.waitExit();
      if (timeoutSeconds > 0 && !(await within(exit, timeoutSeconds * 1000))) {
        await proc.terminate().catch(() => undefined);
        await within(exit, 5000);
        throw deadlineExceeded(`command ${JSON.stringify(cmd)} timed out after ${timeoutSeconds}s and was killed`);
      }
      const status = await exit;
      await within(Promise.all([stdout, stderr]), 2000);
      return { stdout: await snapshot(stdout), stderr: await snapshot(stderr), exitCode: status.ExitCode ?? (status.LastWaitResult ? -1 : 0) };
    } finally {
      proc?.close();
      system.close();
    }
  }

  // ───────────────────────────── stats ─────────────────────────────

  async containerStats(c: ContainerRecord): Promise<ContainerStatsSample> {
    const ts = BigInt(nowNs());
    const sample: ContainerStatsSample = {
      container: c, timestampNs: ts, cpuUsageCoreNs: 0n, cpuUsageNanoCores: 0n, memoryWorkingSetBytes: 0,
      memoryCommitBytes: 0, memoryAvailableBytes: 0, writableLayerUsedBytes: 0, writableLayerInodes: 0, processCount: 0,
    };
    if (c.state === 'CONTAINER_RUNNING') {
      const system = await this.opts.platform.compute.openComputeSystem(c.id).catch((e) => { if (isGone(e)) return undefined; throw e; });
      if (system) {
        try {
          const props = await system.getProperties({ PropertyTypes: ['Statistics', 'ProcessList'] });
          const st = parseStatistics(props, ts);
          const cpuNs = st?.cpuTotalNs ?? 0n;
          sample.cpuUsageCoreNs = cpuNs;
          sample.memoryWorkingSetBytes = st?.memoryPrivateWorkingSetBytes ?? 0;
          sample.memoryCommitBytes = st?.memoryCommitBytes ?? 0;
          sample.processCount = props.ProcessList?.length ?? 0;
          const prev = this.lastCpu.get(c.id);
          if (prev && ts > prev.ts && cpuNs >= prev.cpu) sample.cpuUsageNanoCores = ((cpuNs - prev.cpu) * 1_000_000_000n) / (ts - prev.ts);
          this.lastCpu.set(c.id, { ts, cpu: cpuNs });
        } catch (e) {
          if (!isGone(e)) throw e;
        } finally {
          system.close();
        }
      }
    }
    const limit = c.resources?.memoryLimitInBytes ?? 0;
    if (limit > 0) sample.memoryAvailableBytes = Math.max(0, limit - sample.memoryCommitBytes);
    const usage = await this.opts.platform.storage.layerUsage(c.scratchPath).catch(() => ({ usedBytes: 0, inodesUsed: 0 }));
    sample.writableLayerUsedBytes = usage.usedBytes;
    sample.writableLayerInodes = usage.inodesUsed;
    return sample;
  }

  /** Container filesystem usage: the writable layers. */
  async containerFsInfo(): Promise<{ mountpoint: string; usedBytes: number; inodesUsed: number; timestampNs: bigint }> {
    let usedBytes = 0;
    let inodesUsed = 0;
    for (const c of this.containers.list()) {
      const u = await this.opts.platform.storage.layerUsage(c.scratchPath).catch(() => ({ usedBytes: 0, inodesUsed: 0 }));
      usedBytes += u.usedBytes;
      inodesUsed += u.inodesUsed;
    }
    return { mountpoint: this.opts.scratchDir, usedBytes, inodesUsed, timestampNs: BigInt(nowNs()) };
  }

  // ───────────────────────────── helpers ─────────────────────────────

  private systemDocument(spec: ContainerSpec, storagePath: string, layers: { id: string; path: string }[]) {
    return buildContainerDocument(spec, { owner: OWNER, storagePath, layers, hostProcessorCount: cpus().length });
  }

  private mustContainer(id: string): StoredContainer {
    const c = this.containers.get(id);
    if (!c) throw notFound(`container "${id}" not found`);
    return c;
  }

  private safeResolve(prefix: string): string | undefined {
    try {
      return this.index.resolve(prefix);
    } catch {
      return undefined;
    }
  }

  private emit(containerId: string, type: ContainerEventType, sandboxId: string): void {
    const ev: ContainerEvent = { containerId, type, createdAt: nowNs(), sandboxId };
    this.events.emit('event', ev);
  }

  /** After the init process exited: graceful shutdown of the compute system, then terminate. */
  private async shutdownSystem(id: string, timeoutSeconds: number): Promise<void> {
    let system: ComputeSystem | undefined;
    try {
      system = await this.opts.platform.compute.openComputeSystem(id);
      const exited = system.waitExit();
      if (timeoutSeconds > 0) {
        await system.shutdown().catch((e) => { if (!isGone(e)) throw e; });
        if (await within(exited, timeoutSeconds * 1000)) return;
      }
      await system.terminate().catch((e) => { if (!isGone(e)) throw e; });
      await within(exited, 10_000);
    } catch (e) {
      if (!isGone(e)) log.warn('compute system shutdown failed', { id, error: errorMessage(e) });
    } finally {
      system?.close();
    }
  }

  /** Terminates (if needed) and forgets a compute system; gone systems are fine. */
  private async destroySystem(id: string): Promise<void> {
    let system: ComputeSystem | undefined;
    try {
      system = await this.opts.platform.compute.openComputeSystem(id);
    } catch (e) {
      if (isGone(e)) return;
      throw e;
    }
    try {
      const props = await system.getProperties();
      if (props.State !== 'Stopped') {
        const exited = system.waitExit();
        await system.terminate().catch((e) => { if (!isGone(e)) throw e; });
        await within(exited, 10_000);
      }
    } finally {
      // With ShouldTerminateOnLastHandleClosed=false a stopped system disappears once no handle remains.
      system.close();
    }
  }
}

export interface ContainerStatsSample {
  container: ContainerRecord;
  timestampNs: bigint;
  cpuUsageCoreNs: bigint;
  cpuUsageNanoCores: bigint;
  memoryWorkingSetBytes: number;
  memoryCommitBytes: number;
  memoryAvailableBytes: number;
  writableLayerUsedBytes: number;
  writableLayerInodes: number;
  processCount: number;
}

interface Collected { chunks: Buffer[]; size: number; done: Promise<void> }

function collect(stream: NodeJS.ReadableStream | undefined, cap: number): Promise<Collected> & { state: Collected } {
  const state: Collected = { chunks: [], size: 0, done: Promise.resolve() };
  if (!stream) return Object.assign(Promise.resolve(state), { state });
  state.done = new Promise<void>((resolve) => {
    stream.on('data', (d: Buffer) => {
      if (state.size >= cap) return; // excess dropped, as kubelet expects (16 MiB cap)
      const take = d.subarray(0, cap - state.size);
      state.chunks.push(take);
      state.size += take.length;
    });
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
  });
  return Object.assign(state.done.then(() => state), { state });
}

async function snapshot(p: Promise<Collected> & { state: Collected }): Promise<Buffer> {
  return Buffer.concat(p.state.chunks);
}

function networkRequest(id: string, c: SandboxConfig, namespaceId: string): PodNetworkRequest {
  return {
    sandboxId: id, namespaceId,
    pod: { name: c.metadata.name, namespace: c.metadata.namespace, uid: c.metadata.uid },
    portMappings: c.portMappings, dns: c.dns, annotations: c.annotations,
  };
}
