/**
 * ContainerSpec: the hinge between runtime policy and Windows document shapes. It follows the OCI runtime
 * spec (process, mounts, hostname, annotations, and the `windows` section) so that the runtime's decisions
 * (CRI config + image config → spec) are independent of HCS document layout (spec → ComputeSystem document,
 * built in ./hcs/document).
 */
export interface SpecUser { username?: string }

export interface SpecProcess {
  /** argv; joined into a Windows command line with Windows escaping unless commandLine is given. */
  args: string[];
  commandLine?: string;
  /** KEY=VALUE entries. */
  env: string[];
  /** Windows path, e.g. C:\ or C:\app. */
  cwd: string;
  terminal: boolean;
  consoleSize?: { height: number; width: number };
  user: SpecUser;
}

export interface SpecMount {
  /** Container path (C:\data) or named pipe (\\.\pipe\name). */
  destination: string;
  /** Host path. */
  source: string;
  type?: string;
  /** "ro" / "rw". */
  options: string[];
}

export interface SpecWindowsResources {
  memory?: { limit?: number };
  cpu?: { count?: number; shares?: number; maximum?: number; affinity?: { mask: string; group: number }[] };
  storage?: { iops?: number; bps?: number; sandboxSize?: number };
}

export interface SpecWindowsNetwork {
  /** HNS namespace GUID the container joins. */
  networkNamespace?: string;
  endpointList?: string[];
  allowUnqualifiedDNSQuery?: boolean;
  dnsSearchList?: string[];
  networkSharedContainerName?: string;
}

export interface SpecWindows {
  /** Read-only parent layer folders, top-most first, base last. */
  layerFolders: string[];
  resources?: SpecWindowsResources;
  network?: SpecWindowsNetwork;
  credentialSpec?: string;
  hyperv?: { utilityVMPath?: string };
  devices?: { id: string; idType: string }[];
  /** HostProcess container (job object on the host, no compute system isolation). */
  hostProcess?: boolean;
}

export interface ContainerSpec {
  ociVersion: string;
  process: SpecProcess;
  hostname?: string;
  mounts: SpecMount[];
  annotations: Record<string, string>;
  windows: SpecWindows;
}
