/**
 * Domain model of pods (sandboxes) and containers. The vocabulary (state names, field names) follows CRI
 * because that is what operators read, but nothing here depends on the gRPC layer.
 */
export type SandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type KV = Record<string, string>;

export interface PodMetadata { name: string; uid: string; namespace: string; attempt: number }

export interface PortMapping { protocol: string; containerPort: number; hostPort: number; hostIp: string }

export interface NamespaceOptions { network: string; pid: string; ipc: string; targetId: string }

export interface SandboxConfig {
  metadata: PodMetadata;
  hostname: string;
  logDirectory: string;
  dns?: { servers: string[]; searches: string[]; options: string[] };
  portMappings: PortMapping[];
  labels: KV;
  annotations: KV;
  hostProcess: boolean;
  runAsUsername: string;
  credentialSpec: string;
  /** Echo of linux.security_context.namespace_options (kubelet compares it, also on Windows). */
  namespaceOptions?: NamespaceOptions;
  /** Pod-level resources (linux.resources + linux.overhead), when kubelet states them: size a utility VM. */
  resources?: PodResources;
}

export interface PodResources { memoryBytes: number; cpus: number }

/** A Hyper-V pod's utility VM (runtime/hyperv): sized at RunPodSandbox, booted with its first container. */
export interface UtilityVmRecord {
  /** Compute system ID (`<pod>@vm`, as hcsshim names it). */
  id: string;
  memoryMiB: number;
  processorCount: number;
  /** Set (and persisted) before the VM is created, so a crash between create and save still finds it. */
  created?: boolean;
  /** OS build of the image whose UtilityVM files it booted (its containers must match it). */
  osVersion?: string;
  /** The pod's HNS endpoints added to it as network adapters (removed before it stops). */
  nics?: { nicId: string; endpointId: string; macAddress: string }[];
  /** VSMB shares of its hosted containers' layers and mounts (hyperv/vsmb-book.ts); gone with the VM. */
  vsmb?: VsmbShareRecord[];
  /** Index of the next share name (`s<n>`): names are never reused while the VM runs. */
  vsmbNext?: number;
  /** Scratch disks of its hosted containers attached over SCSI (hyperv/uvm-scsi.ts); gone with the VM. */
  scsi?: ScsiScratchRecord[];
  /** Index of the next guest mount path (`C:\mounts\scsi\m<n>`): not reused while the VM runs. */
  scsiNext?: number;
}

/** A hosted container's scratch VHDX attached to the VM (controller 0) and mounted in its guest. */
export interface ScsiScratchRecord {
  containerId: string;
  lun: number;
  guestPath: string;
  vhdxPath: string;
  /** Set once the VM has the disk; a record without it (a crash between record and attach) is attached again. */
  attached?: boolean;
  /**
   * The guest's CombinedLayers on the mount (hyperv/uvm-combine.ts): 'pending' is saved before the request, 'done'
   * after; a pending one is sent again (an existing one being no error) and undone like a done one.
   */
  combine?: 'pending' | 'done';
}

/** One folder shared into a utility VM and the containers using it (removed when the last one is removed). */
export interface VsmbShareRecord {
  name: string;
  path: string;
  /** The share's options as built (hcs/document/vsmb.ts), compared to share a folder once per option set. */
  options: Record<string, boolean>;
  users: string[];
  /** Set once the VM has the share; a record without it (a crash between record and add) is added again. */
  added?: boolean;
}

export interface SandboxRecord {
  id: string;
  config: SandboxConfig;
  runtimeHandler: string;
  /** ns since epoch, as a decimal string (beyond JS safe integers). */
  createdAt: string;
  state: SandboxState;
  /** HNS namespace GUID (absent for host-network / HostProcess pods). */
  namespaceId?: string;
  /** A deletion of `namespaceId` was attempted (it may have happened though the record still names it): a probe of it made before is stale. */
  namespaceDeleted?: boolean;
  ip?: string;
  additionalIps: string[];
  /** Isolation chosen by the runtime handler (absent: process). */
  isolation?: 'process' | 'hyperv';
  utilityVm?: UtilityVmRecord;
}

export interface WindowsResources {
  cpuShares: number;
  cpuCount: number;
  cpuMaximum: number;
  memoryLimitInBytes: number;
  rootfsSizeInBytes: number;
  affinityCpus: { cpuMask: string; cpuGroup: number }[];
}

export interface MountConfig {
  containerPath: string;
  hostPath: string;
  readonly: boolean;
  selinuxRelabel: boolean;
  propagation: string;
  recursiveReadOnly: boolean;
}

export interface ImageRef { image: string; userSpecifiedImage: string; annotations: KV; runtimeHandler: string }

export interface ContainerConfig {
  metadata: { name: string; attempt: number };
  image: ImageRef;
  command: string[];
  args: string[];
  workingDir: string;
  envs: { key: string; value: string }[];
  mounts: MountConfig[];
  devices: { containerPath: string; hostPath: string; permissions: string }[];
  labels: KV;
  annotations: KV;
  /** Relative to the sandbox log directory. */
  logPath: string;
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  windows: {
    resources?: WindowsResources;
    runAsUsername: string;
    credentialSpec: string;
    hostProcess: boolean;
  };
}

export interface ContainerRecord {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  /** Node-local image ID (config digest), equal to Image.id and PullImage.image_ref. */
  imageId: string;
  /** Image as shown to users (first repo tag, else the ID). */
  imageName: string;
  /** Repo digest if known, else the image ID. */
  imageRef: string;
  createdAt: string;
  startedAt: string;
  finishedAt: string;
  state: ContainerState;
  exitCode: number;
  reason: string;
  message: string;
  /** PID of the init process inside the compute system (while running). */
  pid?: number;
  /** Writable layer directory. */
  scratchPath: string;
  /** Absolute log path ('' when logging is off). */
  logFile: string;
  /** Resources currently applied (config, then UpdateContainerResources). */
  resources?: WindowsResources;
}

export function nowNs(): string {
  const ms = BigInt(Date.now());
  const sub = process.hrtime.bigint() % 1_000_000n;
  return (ms * 1_000_000n + sub).toString();
}
