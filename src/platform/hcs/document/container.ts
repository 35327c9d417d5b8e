/**
 * ContainerSpec → HCS ComputeSystem document for a process-isolated (Argon) Windows container, the shape
 * hcsshim builds in internal/hcsoci (create.go, hcsdoc_wcow.go); a Hyper-V isolated one is the same Container
 * hosted in the pod's utility VM (hosted.ts).
 */
import type { ContainerSpec, SpecMount, SpecWindowsResources } from '../../spec.js';
import type {
  ComputeSystemDoc, ContainerDoc, MappedDirectoryDoc, MappedPipeDoc, ProcessorDoc, NetworkingDoc,
  RegistryValueDoc, VersionDoc, ContainerCredentialGuardStateDoc,
} from '../schema/index.js';
import { DocumentError } from './errors.js';
import { canonicalPipePath, normalizeContainerPath, pipeName } from './paths.js';
import { hostedSystemDocument } from './hosted.js';
import { assignedDevice } from './devices.js';

export const MiB = 1024 * 1024;
export const DEFAULT_SCHEMA_VERSION: VersionDoc = { Major: 2, Minor: 1 };
const INT32_MAX = 0x7fffffff;

export interface ContainerDocumentOptions {
  /** ComputeSystem.Owner (the caller's name; HCS lists it in enumerations). */
  owner: string;
  /** Mounted scratch volume path (`\\?\Volume{GUID}\`), from the storage layer. */
  storagePath: string;
  /** Read-only parent layers, top-most first, base last. */
  layers: { id: string; path: string }[];
  hostProcessorCount: number;
  schemaVersion?: VersionDoc;
  /** Hyper-V isolation (spec.windows.hyperv): the pod's utility VM, which hosts the container. */
  hostingSystemId?: string;
  /** State of the container's credential guard instance (./credential-guard.ts); required with a gMSA credential spec. */
  credentialGuard?: ContainerCredentialGuardStateDoc;
}

/**
 * Registry value hcsshim always adds so that servercore-based images wait for services during a graceful
 * shutdown instead of the default 5 s (System\ControlSet001\Control\WaitToKillServiceTimeout = "2147483647").
 */
export const WAIT_TO_KILL_SERVICE_TIMEOUT: RegistryValueDoc = {
  Key: { Hive: 'System', Name: 'ControlSet001\\Control' },
  Name: 'WaitToKillServiceTimeout',
  Type: 'String',
  StringValue: String(INT32_MAX),
};

export function buildContainerDocument(spec: ContainerSpec, opts: ContainerDocumentOptions): ComputeSystemDoc {
  const w = spec.windows;
  if (w.hostProcess) throw new DocumentError('HostProcess containers are job containers, not compute systems: build them with platform/jobs/document (buildJobContainerDocument)');
  if (w.credentialSpec && !opts.credentialGuard) throw new DocumentError('a gMSA credential spec needs its credential guard instance (HcsModifyServiceSettings AddInstance) before the container document');
  if (opts.credentialGuard && !w.credentialSpec) throw new DocumentError('a credential guard instance was given for a container without a gMSA credential spec');
  if (!opts.storagePath) throw new DocumentError('container scratch volume path (Storage.Path) is empty');

  const container: ContainerDoc = {};
  if (spec.hostname) container.GuestOs = { HostName: spec.hostname };

  container.Storage = {
    Layers: opts.layers.map((l) => ({ Id: l.id, Path: l.path })),
    Path: opts.storagePath,
  };
  const qos = storageQoS(w.resources);
  if (qos) container.Storage.QoS = qos;

  const { directories, pipes } = mapMounts(spec.mounts);
  if (directories.length > 0) container.MappedDirectories = directories;
  if (pipes.length > 0) container.MappedPipes = pipes;

  const sizeInMB = memorySizeInMB(w.resources?.memory?.limit);
  if (sizeInMB > 0) container.Memory = { SizeInMB: sizeInMB };

  const processor = processorSettings(w.resources, opts.hostProcessorCount);
  if (processor) container.Processor = processor;

  if (w.network) {
    const n: NetworkingDoc = {};
    if (w.network.networkNamespace) n.Namespace = w.network.networkNamespace;
    if (w.network.dnsSearchList && w.network.dnsSearchList.length > 0) n.DnsSearchList = w.network.dnsSearchList.join(',');
    if (w.network.allowUnqualifiedDNSQuery) n.AllowUnqualifiedDnsQuery = true;
    if (w.network.networkSharedContainerName) n.NetworkSharedContainerName = w.network.networkSharedContainerName;
    container.Networking = n;
  }

  container.RegistryChanges = { AddValues: [{ ...WAIT_TO_KILL_SERVICE_TIMEOUT, Key: { ...WAIT_TO_KILL_SERVICE_TIMEOUT.Key } }] };

  if (w.devices && w.devices.length > 0) container.AssignedDevices = w.devices.map(assignedDevice);
  if (opts.credentialGuard) container.ContainerCredentialGuard = { ...opts.credentialGuard };

  if (w.hyperv) return hostedSystemDocument(container, { ...opts, schemaVersion: opts.schemaVersion ?? DEFAULT_SCHEMA_VERSION });
  return {
    Owner: opts.owner,
    SchemaVersion: { ...(opts.schemaVersion ?? DEFAULT_SCHEMA_VERSION) },
    // hcsshim sets true because its shim holds the only handle for the container's lifetime. wincri's daemon
    // may exit or be upgraded while containers keep running (the compute service outlives it, as vmcompute
    // does); with true, HCS would terminate every container when the daemon's handles close.
    ShouldTerminateOnLastHandleClosed: false,
    Container: container,
  };
}

/**
 * Splits OCI mounts into mapped directories and mapped pipes. A pipe (platform/host-path.ts pipeNameOf, any
 * spelling) mounts only onto a pipe; HostPath is the canonical `\\.\pipe\<name>` (hcsshim's form).
 */
export function mapMounts(mounts: readonly SpecMount[]): { directories: MappedDirectoryDoc[]; pipes: MappedPipeDoc[] } {
  const directories: MappedDirectoryDoc[] = [];
  const pipes: MappedPipeDoc[] = [];
  for (const m of mounts) {
    if (!m.source) throw new DocumentError(`mount ${JSON.stringify(m.destination)} has no source`);
    const pipe = pipeName(m.destination);
    const hostPipe = pipeName(m.source);
    if (pipe !== undefined || hostPipe !== undefined) {
      if (pipe === undefined || hostPipe === undefined) {
        throw new DocumentError(`mount ${JSON.stringify(m.destination)} from ${JSON.stringify(m.source)}: a named pipe mounts only onto a named pipe (\\\\.\\pipe\\<name> on both sides)`);
      }
      if (/^\.+$/.test(pipe)) throw new DocumentError(`mount ${JSON.stringify(m.destination)}: "${pipe}" is not a pipe name`);
      pipes.push({ ContainerPipeName: pipe, HostPath: canonicalPipePath(hostPipe) });
      continue;
    }
    const md: MappedDirectoryDoc = { HostPath: m.source, ContainerPath: normalizeContainerPath(m.destination) };
    if (m.options.includes('ro')) md.ReadOnly = true;
    directories.push(md);
  }
  return { directories, pipes };
}

/** Memory limit in bytes → SizeInMB (whole MiB, as hcsshim: integer division); 0 when unset. */
export function memorySizeInMB(limitBytes: number | undefined): number {
  if (!limitBytes || limitBytes <= 0) return 0;
  return Math.floor(limitBytes / MiB);
}

/**
 * Exactly one of Count / Maximum / Weight, with the precedence count > maximum > shares (kubelet zeroes
 * maximum when it sets count; hcsshim refuses more than one). Count is clamped to the host's processors,
 * Maximum and Weight to 1..10000. Undefined when none is set.
 */
export function processorSettings(resources: SpecWindowsResources | undefined, hostProcessorCount?: number): ProcessorDoc | undefined {
  const cpu = resources?.cpu;
  if (!cpu) return undefined;
  if (cpu.count && cpu.count > 0) {
    let count = Math.floor(cpu.count);
    if (hostProcessorCount && hostProcessorCount > 0) count = Math.min(count, hostProcessorCount);
    return { Count: Math.max(1, Math.min(count, INT32_MAX)) };
  }
  if (cpu.maximum && cpu.maximum > 0) return { Maximum: clamp(Math.floor(cpu.maximum), 1, 10000) };
  if (cpu.shares && cpu.shares > 0) return { Weight: clamp(Math.floor(cpu.shares), 1, 10000) };
  return undefined;
}

function storageQoS(resources: SpecWindowsResources | undefined): { IopsMaximum?: number; BandwidthMaximum?: number } | undefined {
  const s = resources?.storage;
  if (!s) return undefined;
  const q: { IopsMaximum?: number; BandwidthMaximum?: number } = {};
  if (s.iops && s.iops > 0) q.IopsMaximum = Math.min(Math.floor(s.iops), INT32_MAX);
  if (s.bps && s.bps > 0) q.BandwidthMaximum = Math.min(Math.floor(s.bps), INT32_MAX);
  return Object.keys(q).length > 0 ? q : undefined;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
