/**
 * The platform seam. These interfaces mirror the Windows services one to one:
 *   ComputeService  — Host Compute Service (computecore.dll): compute systems and their processes
 *   NetworkService  — Host Networking Service (computenetwork.dll): networks, endpoints, namespaces
 *   StorageService  — layer storage (computestorage.dll)
 *   JobContainerService — HostProcess containers: job objects with the image mounted on the host (no HCS
 *                     object; hcsshim internal/jobcontainers). Its handles are ComputeSystems, so everything above
 *                     the seam drives both kinds through one interface (hcsshim's `cow` idea).
 * Inputs and outputs are the services' own JSON documents (schema types in ./hcs/schema and ./hcn/schema).
 * Failures are PlatformError (./hresult.ts) carrying the HRESULT the service returned.
 *
 * Implementations: ./emulator (Linux, the default there) and ./windows (koffi FFI). The runtime talks only to
 * these interfaces; src/daemon/wire.ts picks the implementation.
 */
import type { Duplex } from 'node:stream';
import type {
  ComputeSystemDoc, ProcessParametersDoc, ProcessStatusDoc, PropertiesDoc, PropertyQueryDoc,
  ModifySettingRequestDoc, SystemExitStatusDoc,
  SystemQueryDoc, LayerDataDoc, ServicePropertiesDoc, ModificationRequestDoc, ServicePropertyQueryDoc,
} from './hcs/schema/index.js';
import type {
  HostComputeNamespaceDoc, HostComputeEndpointDoc, HostComputeNetworkDoc, ModifyNamespaceSettingRequestDoc,
  HcnQueryDoc, ModifyNetworkSettingRequestDoc, EndpointStatsDoc,
} from './hcn/schema/index.js';
import type { JobContainerDoc } from './jobs/schema.js';
import type { ComputeProcess, CreateProcessOptions } from './process-types.js';

export type { ProcessStdio, AckedOutput, CreateProcessOptions, CreatedProcess, ComputeProcess } from './process-types.js';

/** HCS_EVENT_TYPE values delivered to system / process callbacks. */
export type ComputeEvent =
  | { type: 'SystemExited'; data: SystemExitStatusDoc }
  | { type: 'ProcessExited'; data: ProcessStatusDoc }
  | { type: 'ServiceDisconnect' };

/** Creating, opening and listing systems: the only part that differs between compute systems and job containers. */
export interface SystemService<Doc> {
  /** HcsCreateComputeSystem: creates (does not start) a system; the document is validated. */
  createComputeSystem(id: string, document: Doc): Promise<ComputeSystem>;
  /** HcsOpenComputeSystem: HCS_E_SYSTEM_NOT_FOUND when absent (or of the other kind). */
  openComputeSystem(id: string): Promise<ComputeSystem>;
  /** HcsEnumerateComputeSystems: basic properties of every system of this kind matching the query. */
  enumerateComputeSystems(query?: SystemQueryDoc): Promise<PropertiesDoc[]>;
}

export interface ComputeService extends SystemService<ComputeSystemDoc> {
  /** HcsGetServiceProperties (Basic): schema versions; plus the host OS build the service runs on. */
  getServiceProperties(): Promise<ServicePropertiesDoc>;
  /**
   * HcsGetServiceProperties with an explicit query (e.g. "ContainerCredentialGuard"): the service's Properties
   * array, one entry per requested property type, in order.
   */
  queryServiceProperties(query: ServicePropertyQueryDoc): Promise<unknown[]>;
  /** HcsModifyServiceSettings: a service-level change, e.g. AddInstance / RemoveInstance of a credential guard instance. */
  modifyServiceSettings(request: ModificationRequestDoc): Promise<void>;
  /**
   * HcsGrantVmAccess: lets the worker process of VM `vmId` open `filePath` (a VHD it attaches, e.g. a utility VM's
   * scratch disk); ERROR_FILE_NOT_FOUND when the file does not exist.
   */
  grantVmAccess(vmId: string, filePath: string): Promise<void>;
  /** Releases the connection to the service (never affects running systems). */
  close(): Promise<void>;
}

/**
 * HostProcess containers. create = the job object (not yet any process) and the mount point record; start = the
 * image volume shows up at MountPoint, mounts under it; createProcess = a host process as the document's user,
 * assigned to the job, with CONTAINER_SANDBOX_MOUNT_POINT set and %CONTAINER_SANDBOX_MOUNT_POINT% expanded;
 * getProperties Statistics/ProcessList = the job's accounting and process list; shutdown = CtrlShutdown to every
 * process, stopped once none is left; terminate = TerminateJobObject. Errors use the HCS HRESULTs
 * (HCS_E_SYSTEM_NOT_FOUND, HCS_E_INVALID_STATE, ...) so callers treat both kinds alike.
 */
export interface JobContainerService extends SystemService<JobContainerDoc> {
  /** The host has the bind filter (bindfltapi.dll): mount points are private to each container (`C:\hpc\`). */
  readonly fileBinding: boolean;
}

/** An open HCS_SYSTEM handle (or a job container's handle, which behaves the same). */
export interface ComputeSystem {
  readonly id: string;
  start(): Promise<void>;
  /** HcsShutDownComputeSystem: graceful; HCS_E_SYSTEM_ALREADY_STOPPED if not running. */
  shutdown(): Promise<void>;
  /** HcsTerminateComputeSystem: forceful; HCS_E_SYSTEM_ALREADY_STOPPED if not running. */
  terminate(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  modify(request: ModifySettingRequestDoc): Promise<void>;
  getProperties(query?: PropertyQueryDoc): Promise<PropertiesDoc>;
  /** HcsCreateProcess; stdio pipes exist for the streams the parameters ask for. */
  createProcess(params: ProcessParametersDoc, opts?: CreateProcessOptions): Promise<ComputeProcess>;
  /** HcsOpenProcess: a handle without stdio. */
  openProcess(pid: number): Promise<ComputeProcess>;
  /** Resolves with the exit status when the system stops (HcsEventSystemExited). */
  waitExit(): Promise<SystemExitStatusDoc>;
  /** HcsSetComputeSystemCallback. */
  onEvent(listener: (e: ComputeEvent) => void): void;
  /** HcsCloseComputeSystem: releases the handle only; delivers no final event. */
  close(): void;
}

export interface NetworkService {
  createNetwork(id: string, settings: HostComputeNetworkDoc): Promise<HostComputeNetworkDoc>;
  queryNetwork(id: string): Promise<HostComputeNetworkDoc>;
  deleteNetwork(id: string): Promise<void>;
  enumerateNetworks(query?: HcnQueryDoc): Promise<HostComputeNetworkDoc[]>;
  /** HcnModifyNetwork: add/remove network policies (ResourceType "Policy", Settings {Policies}). Optional for backends that lack it. */
  modifyNetwork?(id: string, request: ModifyNetworkSettingRequestDoc): Promise<void>;

  createEndpoint(networkId: string, id: string, settings: HostComputeEndpointDoc): Promise<HostComputeEndpointDoc>;
  queryEndpoint(id: string): Promise<HostComputeEndpointDoc>;
  deleteEndpoint(id: string): Promise<void>;
  enumerateEndpoints(query?: HcnQueryDoc): Promise<HostComputeEndpointDoc[]>;
  /**
   * HcnQueryEndpointStats: the endpoint's traffic counters, from the container's side (BytesReceived = received
   * by the container). HCN_E_ENDPOINT_NOT_FOUND when absent.
   */
  queryEndpointStats(id: string): Promise<EndpointStatsDoc>;

  /** HcnCreateNamespace. */
  createNamespace(id: string, settings: HostComputeNamespaceDoc): Promise<HostComputeNamespaceDoc>;
  /** HcnQueryNamespaceProperties: ERROR_NOT_FOUND when absent. */
  queryNamespace(id: string): Promise<HostComputeNamespaceDoc>;
  /** HcnModifyNamespace: add/remove an endpoint (ResourceType "Endpoint") or a container. */
  modifyNamespace(id: string, request: ModifyNamespaceSettingRequestDoc): Promise<void>;
  /** HcnDeleteNamespace: ERROR_NOT_FOUND when absent. */
  deleteNamespace(id: string): Promise<void>;
  enumerateNamespaces(query?: HcnQueryDoc): Promise<HostComputeNamespaceDoc[]>;
  /**
   * Emulator only: a TCP connection to 127.0.0.1:`port` inside the namespace, as Linux runtimes port-forward.
   * Windows has no such call: the runtime dials the pod's endpoint IP from the host (as Windows containerd does).
   */
  dialInNamespace?(namespaceId: string, port: number): Promise<Duplex>;
  /**
   * Emulator only (leak audits): waits until the Linux removals HcnDeleteNamespace left running in the background
   * present when called have finished, and answers the Linux names (netns, links) still journalled for a later
   * removal with their state: in their grace period or being confirmed (owned by the service), or failing.
   * Windows has no such state.
   */
  settleRemovals?(): Promise<PendingRemoval[]>;
}

/** A Linux object the emulator service keeps journalled for removal (settleRemovals). */
export interface PendingRemoval {
  name: string;
  /** grace: a detached veth waiting for its grace period; confirming: its namespace's deletion is being confirmed;
   *  failed: its removal failed (`failures` times, last with `lastError`) and is retried later. */
  state: 'grace' | 'confirming' | 'failed';
  failures: number;
  lastError?: string;
}

export interface StorageService {
  /** HcsImportLayer: imports a layer from a folder in transport format (Files/, Hives/, UtilityVM/). */
  importLayer(layerPath: string, sourceFolderPath: string, layerData: LayerDataDoc): Promise<void>;
  /** HcsDestroyLayer. Succeeds when the layer does not exist. */
  destroyLayer(layerPath: string): Promise<void>;
  /** HcsInitializeWritableLayer: creates the container scratch on top of the parent layers. */
  initializeWritableLayer(writableLayerPath: string, layerData: LayerDataDoc): Promise<void>;
  /**
   * Grows a writable layer (initialized, not yet attached) to at least `sizeInBytes` — vmcompute ExpandSandboxSize,
   * what containerd does for CRI rootfs_size_in_bytes. Never shrinks it.
   */
  expandWritableLayer(writableLayerPath: string, sizeInBytes: number): Promise<void>;
  /**
   * HcsAttachLayerStorageFilter: makes the union of the layers visible at the writable layer path. `recordLater`:
   * the call may return before the platform's record of the attachment is durable; layerRecorded then resolves
   * once it is (the caller writes its own record meanwhile and awaits both). HCS ignores it.
   */
  attachLayerStorageFilter(layerPath: string, layerData: LayerDataDoc, opts?: { recordLater?: boolean }): Promise<void>;
  /** With attachLayerStorageFilter's recordLater: resolves once the attachment of `layerPath` is durable. */
  layerRecorded?(layerPath: string): Promise<void>;
  /** HcsDetachLayerStorageFilter. */
  detachLayerStorageFilter(layerPath: string): Promise<void>;
  /** The volume path that a container document puts in Storage.Path for this writable layer. */
  getLayerMountPath(writableLayerPath: string): Promise<string>;
  /** Bytes used by a layer directory (for image and container filesystem usage). */
  layerUsage(layerPath: string): Promise<{ usedBytes: number; inodesUsed: number }>;
  /**
   * Creates a directory, with its parents, in a container's writable layer: `mountPath` is what getLayerMountPath
   * returned, `containerPath` the path the container sees (C:\app). Paths outside C:\ are left alone; a component
   * that exists and is not a directory fails with ERROR_DIRECTORY (./container-path.ts).
   */
  createContainerDirectory(mountPath: string, containerPath: string): Promise<void>;
}

export interface Platform {
  readonly name: 'emulator' | 'windows';
  readonly compute: ComputeService;
  readonly jobs: JobContainerService;
  readonly network: NetworkService;
  readonly storage: StorageService;
  /** Host OS version as "major.minor.build" (e.g. 10.0.20348) and the architecture (amd64, arm64). */
  readonly host: { osVersion: string; architecture: string };
  /**
   * Restricts the CRI endpoint at `path` (a named pipe) to SYSTEM and Administrators. Optional: the emulator has
   * none (its unix socket is protected by file mode 0660, set by the listener).
   */
  secureEndpoint?(path: string): Promise<void>;
  /**
   * Conditions of the platform an operator must know about (Status reports them, e.g. the emulator building no
   * real networking and why). Optional: the Windows backend has none of its own.
   */
  diagnostics?(): Promise<PlatformCondition[]>;
  close(): Promise<void>;
}

/** One platform condition, as CRI Status reports conditions: `ok` false names the problem in reason/message. */
export interface PlatformCondition { type: string; ok: boolean; reason: string; message: string }
