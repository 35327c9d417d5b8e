/**
 * The runtime's shared state: options, record stores, the ID index, name reservations, per-object locks, exit
 * waiters and the event stream. The lifecycle rooms (pods.ts, containers.ts, container-stop.ts, container-remove.ts,
 * exits.ts, recovery.ts, exec-sync.ts, stats.ts) are functions over this state; runtime.ts is the facade the CRI
 * layer calls.
 */
import { EventEmitter } from 'node:events';
import { hostProcessorCount } from '../util/host-cpus.js';
import type { ComputeSystem, Platform } from '../platform/types.js';
import type { ContainerSpec } from '../platform/spec.js';
import type { ContainerCredentialGuardStateDoc } from '../platform/hcs/schema/index.js';
import { buildContainerDocument } from '../platform/hcs/document/index.js';
import type { RecordStore } from './store.js';
import { IdIndex } from './ids.js';
import { NameRegistry } from './names.js';
import { KeyedMutex } from './locks.js';
import { type ContainerRecord, type SandboxRecord, nowNs } from './model.js';
import type { ImageProvider, IoKeeper, ExitReport, PodNetwork } from './ports.js';
import type { StreamingService } from '../streaming/types.js';
import type { RuntimeHandler } from './hyperv/handlers.js';
import type { StopTurn } from './stop-turn.js';
import { notFound } from '../errors.js';

/** Owner recorded on every compute system (and job container) this runtime creates. */
export const OWNER = 'wincri';

export interface RuntimeOptions {
  platform: Platform;
  images: ImageProvider;
  keeper: IoKeeper;
  /** Directory for pod/container records. */
  stateDir: string;
  /** Directory for writable layers. */
  scratchDir: string;
  /** Named runtime handlers (RuntimeClass): isolation and utility-VM sizing; "" is always process isolation. */
  runtimeHandlers: Record<string, RuntimeHandler>;
  maxLogLineSize: number;
  shutdownTimeoutSeconds: number;
  execSyncMaxOutputBytes: number;
  /** Pod networking (CNI). Without it pods get a namespace but no endpoint. */
  network?: PodNetwork;
  /** The streaming server (exec, attach, port-forward URLs). Without it those RPCs answer Unimplemented. */
  streaming?: StreamingService;
  /**
   * How long a stop waits for the keeper's exit report after terminating the container before it records the exit
   * itself (exit status unavailable). Default 10 s.
   */
  exitReportWaitMs?: number;
}

export type ContainerEventType =
  | 'CONTAINER_CREATED_EVENT' | 'CONTAINER_STARTED_EVENT' | 'CONTAINER_STOPPED_EVENT' | 'CONTAINER_DELETED_EVENT';

export interface ContainerEvent {
  containerId: string;
  type: ContainerEventType;
  createdAt: string;
  sandboxId: string;
}

export type StoredContainer = ContainerRecord & {
  spec: ContainerSpec; storagePath: string; layers: { id: string; path: string }[];
  /** State of the container's credential guard instance (gMSA, ./credential-guard.ts), removed with the container. */
  credentialGuard?: ContainerCredentialGuardStateDoc;
  /**
   * A stop could not end it (its terminate failed): its system is only ever terminated again, never asked to shut
   * down, and its next stop terminates at once (./stop-unended.ts). Saved with the record (./unended-mark.ts).
   */
  unended?: true;
};

/** A stop terminating a container's system: its open handle, and whether its terminate calls succeeded. */
export interface Termination {
  readonly system: ComputeSystem;
  readonly terminated: Promise<boolean>;
}

export class RuntimeState {
  readonly events = new EventEmitter();
  readonly index = new IdIndex();
  readonly names = new NameRegistry();
  readonly locks = new KeyedMutex();
  readonly exitWaiters = new Map<string, (() => void)[]>();
  /** Exits reported while StartContainer was still running; applied when it finishes. */
  readonly earlyExits = new Map<string, ExitReport>();
  readonly lastCpu = new Map<string, { ts: bigint; cpu: bigint }>();
  /**
   * Containers whose system a stop is terminating, with the stop's open handle: their exit needs no shutdown of
   * its own unless the termination fails, and its OOM query uses that handle (exits.ts).
   */
  readonly terminating = new Map<string, Termination>();
  /** The stop in flight of each container: one at a time (./stop-turn.ts). */
  readonly stops = new Map<string, StopTurn>();
  /**
   * Containers whose system their stop asked to shut down (no handle on the init): their exit asks no second time.
   * Only the stop in flight asks and clears it (one stop per container at a time: ./stop-turn.ts).
   */
  readonly stopAsked = new Set<string>();
  /** Containers RemoveContainer is removing: an exit reported meanwhile is forgotten by the keeper, not acknowledged. */
  readonly removing = new Set<string>();
  ready = false;

  constructor(
    readonly opts: RuntimeOptions,
    readonly sandboxes: RecordStore<SandboxRecord>,
    readonly containers: RecordStore<StoredContainer>,
  ) {
    this.events.setMaxListeners(0);
  }

  emit(containerId: string, type: ContainerEventType, sandboxId: string): void {
    const ev: ContainerEvent = { containerId, type, createdAt: nowNs(), sandboxId };
    this.events.emit('event', ev);
  }

  mustContainer(id: string): StoredContainer {
    const c = this.containers.get(id);
    if (!c) throw notFound(`container "${id}" not found`);
    return c;
  }

  /** Prefix → ID, or undefined when unknown or ambiguous (for list filters). */
  safeResolve(prefix: string): string | undefined {
    try {
      return this.index.resolve(prefix);
    } catch {
      return undefined;
    }
  }

  systemDocument(spec: ContainerSpec, storagePath: string, layers: { id: string; path: string }[], extra: { hostingSystemId?: string; credentialGuard?: ContainerCredentialGuardStateDoc } = {}) {
    return buildContainerDocument(spec, {
      owner: OWNER, storagePath, layers, hostProcessorCount: hostProcessorCount(),
      ...(extra.hostingSystemId ? { hostingSystemId: extra.hostingSystemId } : {}),
      ...(extra.credentialGuard ? { credentialGuard: extra.credentialGuard } : {}),
    });
  }
}
