/**
 * The runtime facade the CRI layer calls. Pods, containers, exits, recovery, exec, streaming and stats live in
 * their own rooms (pods.ts, containers.ts, container-stop.ts, container-remove.ts, container-ops.ts, exits.ts,
 * recovery.ts, exec-sync.ts, exec.ts, attach.ts, port-forward.ts, stats.ts) as functions over the shared RuntimeState
 * (state.ts); this class only opens the stores and delegates.
 */
import { join } from 'node:path';
import { logger } from '../util/log.js';
import { errorMessage } from '../errors.js';
import { RecordStore } from './store.js';
import { sandboxName, containerName } from './names.js';
import type { ContainerConfig, ContainerRecord, SandboxConfig, SandboxRecord, WindowsResources } from './model.js';
import type { PodNetworkStatus } from './ports.js';
import { filterContainers, filterSandboxes, type ContainerFilter, type SandboxFilter } from './filters.js';
import { RuntimeState, type RuntimeOptions, type StoredContainer } from './state.js';
import * as pods from './pods.js';
import * as containers from './containers.js';
import * as stop from './container-stop.js';
import { removeContainer } from './container-remove.js';
import * as ops from './container-ops.js';
import { handleExit } from './exits.js';
import { recover } from './recovery.js';
import { execSync, type ExecResult } from './exec-sync.js';
import { containerStats, containerFsInfo, type ContainerStatsSample } from './stats.js';
import { podNetworkStats, type PodNetworkSample } from './pod-network-stats.js';
import { exec } from './exec.js';
import { utilityVmStats, type UtilityVmStats } from './hyperv/stats.js';
import { attach } from './attach.js';
import { portForward } from './port-forward.js';
import type { StreamIo } from './streams.js';

export type { ContainerFilter, SandboxFilter, RuntimeOptions, ExecResult, ContainerStatsSample, PodNetworkSample, StreamIo };
export { OWNER, type ContainerEvent, type ContainerEventType } from './state.js';

const log = logger('runtime');

export class Runtime extends RuntimeState {
  static async open(opts: RuntimeOptions): Promise<Runtime> {
    const sandboxes = await RecordStore.open<SandboxRecord>(join(opts.stateDir, 'sandboxes'));
    const stored = await RecordStore.open<StoredContainer>(join(opts.stateDir, 'containers'));
    const rt = new Runtime(opts, sandboxes, stored);
    for (const s of sandboxes.list()) {
      rt.index.add(s.id);
      rt.names.reserve(sandboxName(s.config.metadata), s.id, 'pod sandbox');
    }
    for (const c of stored.list()) {
      rt.index.add(c.id);
      const pod = sandboxes.get(c.sandboxId);
      if (pod) rt.names.reserve(containerName(c.config.metadata, pod.config.metadata), c.id, 'container');
    }
    opts.keeper.onExit((e) => {
      handleExit(rt, e).catch((err) => log.error('applying a container exit failed', { container: e.containerId, error: errorMessage(err) }));
    });
    return rt;
  }

  get isReady(): boolean { return this.ready; }
  recover(): Promise<void> { return recover(this); }
  /** Waits for the record writes still under way (some are not awaited by their RPC: containers.ts). */
  async flush(): Promise<void> { await Promise.all([this.sandboxes.flush(), this.containers.flush()]); }

  /** NetworkReady condition for Status. */
  async networkStatus(): Promise<PodNetworkStatus> {
    if (!this.opts.network) return { ready: true, reason: '', message: '' };
    return this.opts.network.status();
  }

  /** UpdateRuntimeConfig's pod CIDR. */
  async setPodCidr(cidr: string): Promise<void> { await this.opts.network?.setPodCidr(cidr); }

  runPodSandbox(config: SandboxConfig, runtimeHandler: string): Promise<string> { return pods.runPodSandbox(this, config, runtimeHandler); }
  stopPodSandbox(idOrPrefix: string): Promise<void> { return pods.stopPodSandbox(this, idOrPrefix); }
  removePodSandbox(idOrPrefix: string): Promise<void> { return pods.removePodSandbox(this, idOrPrefix); }
  getSandbox(idOrPrefix: string): SandboxRecord { return pods.getSandbox(this, idOrPrefix); }
  listPodSandbox(filter?: SandboxFilter): SandboxRecord[] { return filterSandboxes(this.sandboxes.values(), filter, (p) => this.safeResolve(p)); }
  containersOf(sandboxId: string): ContainerRecord[] { return this.containers.list().filter((c) => c.sandboxId === sandboxId); }

  createContainer(sandboxIdOrPrefix: string, config: ContainerConfig): Promise<string> { return containers.createContainer(this, sandboxIdOrPrefix, config); }
  startContainer(idOrPrefix: string): Promise<void> { return containers.startContainer(this, idOrPrefix); }
  stopContainer(idOrPrefix: string, timeoutSeconds: number): Promise<void> { return stop.stopContainer(this, idOrPrefix, timeoutSeconds); }
  removeContainer(idOrPrefix: string): Promise<void> { return removeContainer(this, idOrPrefix); }
  getContainer(idOrPrefix: string): ContainerRecord { return this.mustContainer(this.index.mustResolve(idOrPrefix, 'container')); }
  listContainers(filter?: ContainerFilter): ContainerRecord[] { return filterContainers(this.containers.values(), filter, (p) => this.safeResolve(p)); }
  updateContainerResources(idOrPrefix: string, resources: WindowsResources | undefined): Promise<void> { return ops.updateContainerResources(this, idOrPrefix, resources); }
  reopenContainerLog(idOrPrefix: string): Promise<void> { return ops.reopenContainerLog(this, idOrPrefix); }
  execSync(idOrPrefix: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> { return execSync(this, idOrPrefix, cmd, timeoutSeconds); }
  /** Exec / Attach / PortForward: validate, then register a session on the streaming server and return its URL. */
  exec(idOrPrefix: string, cmd: string[], io: StreamIo): string { return exec(this, idOrPrefix, cmd, io); }
  attach(idOrPrefix: string, io: StreamIo): string { return attach(this, idOrPrefix, io); }
  portForward(podIdOrPrefix: string, ports: number[]): string { return portForward(this, podIdOrPrefix, ports); }

  containerStats(c: ContainerRecord): Promise<ContainerStatsSample> { return containerStats(this, c); }
  /** A Hyper-V pod's utility VM statistics (the pod's totals); undefined for process isolation. */
  utilityVmStats(podId: string): Promise<UtilityVmStats | undefined> { return utilityVmStats(this, podId); }
  containerFsInfo() { return containerFsInfo(this); }
  /** The pod's HNS endpoint counters; undefined without an HNS namespace (host network, HostProcess). */
  podNetworkStats(s: SandboxRecord): Promise<PodNetworkSample | undefined> { return podNetworkStats(this, s); }
}
