/**
 * ContainerSpec → JobContainer document for a HostProcess container (what hcsshim's jobcontainers derive from the
 * OCI spec in Create/bindSetup/fallbackSetup): the job name, where the image shows up, the user, the environment
 * additions, the mounts and the job limits.
 */
import type { ContainerSpec } from '../../spec.js';
import type { JobContainerDoc, JobMountDoc } from '../schema.js';
import { DocumentError } from '../../hcs/document/errors.js';
import { normalizeContainerPath, pipeName } from '../../hcs/document/paths.js';
import { jobUser } from './user.js';
import { jobLimits } from './limits.js';
import { SANDBOX_MOUNT_POINT_VAR } from './expand.js';

/** Mount point of the image with the bind filter (private to the container's silo). */
export const SILO_MOUNT_POINT = 'C:\\hpc\\';
/** Annotation that moves the mount point (hcsshim: microsoft.com/hostprocess-rootfs-location). */
export const ROOTFS_LOCATION_ANNOTATION = 'microsoft.com/hostprocess-rootfs-location';
export const JOB_NAME_PREFIX = 'JobContainer_';

export interface JobDocumentOptions {
  owner: string;
  /** The container ID (job name, temporary user name, fallback mount point). */
  id: string;
  /** Volume of the container's writable layer (`\\?\Volume{GUID}\`), from the storage layer. */
  rootVolume: string;
  /** Read-only image layers, top-most first. */
  layers: { id: string; path: string }[];
  /** The host has the bind filter (bindfltapi.dll): silo-private mount point and mounts bound in place. */
  fileBinding: boolean;
  hostProcessorCount: number;
  /** Local groups of the host (lower case), when the caller knows them; default: the built-in groups. */
  localGroups?: readonly string[];
}

function withSlash(p: string): string { return p.endsWith('\\') ? p : `${p}\\`; }

export function mountPointOf(spec: ContainerSpec, id: string, fileBinding: boolean): string {
  const requested = spec.annotations[ROOTFS_LOCATION_ANNOTATION];
  if (requested) {
    const p = requested.replace(/\//g, '\\');
    if (!/^[A-Za-z]:\\./.test(p)) throw new DocumentError(`annotation ${ROOTFS_LOCATION_ANNOTATION} "${requested}" must be an absolute path below a drive root`);
    return fileBinding ? withSlash(p) : `${withSlash(p)}${id}\\`;
  }
  return fileBinding ? SILO_MOUNT_POINT : `${SILO_MOUNT_POINT}${id}\\`;
}

function jobMounts(spec: ContainerSpec, mountPoint: string, fileBinding: boolean): JobMountDoc[] {
  return spec.mounts.map((m) => {
    if (pipeName(m.destination) !== undefined || pipeName(m.source) !== undefined) {
      throw new DocumentError(`mount ${JSON.stringify(m.destination)}: named pipe mounts are not supported for HostProcess containers; the container runs on the host and can open ${m.source} directly`);
    }
    if (!m.source) throw new DocumentError(`mount ${JSON.stringify(m.destination)} has no host path`);
    const dest = normalizeContainerPath(m.destination);
    const under = `${mountPoint}${dest.slice(3)}`;
    const doc: JobMountDoc = { HostPath: m.source, ContainerPath: m.destination, MountPointPath: under };
    if (fileBinding) doc.BoundPath = dest;
    if (m.options.includes('ro')) doc.ReadOnly = true;
    return doc;
  });
}

export function buildJobContainerDocument(spec: ContainerSpec, opts: JobDocumentOptions): JobContainerDoc {
  const w = spec.windows;
  if (!w.hostProcess) throw new DocumentError('only HostProcess containers are job containers');
  if (w.hyperv) throw new DocumentError('HostProcess containers run on the host; they cannot be Hyper-V isolated');
  if (w.credentialSpec) throw new DocumentError('HostProcess containers run as a host account; a gMSA credential spec does not apply to them');
  if (!opts.rootVolume) throw new DocumentError('HostProcess container volume (the writable layer mount path) is empty');
  if (!opts.id) throw new DocumentError('HostProcess container ID is empty');
  const mountPoint = mountPointOf(spec, opts.id, opts.fileBinding);
  const doc: JobContainerDoc = {
    Owner: opts.owner,
    JobName: `${JOB_NAME_PREFIX}${opts.id}`,
    RootVolume: opts.rootVolume,
    Layers: opts.layers.map((l) => ({ Id: l.id, Path: l.path })),
    MountPoint: mountPoint,
    FileBinding: opts.fileBinding,
    User: jobUser(spec.process.user.username, opts.id, opts.localGroups),
    Environment: { [SANDBOX_MOUNT_POINT_VAR]: mountPoint },
  };
  const mounts = jobMounts(spec, mountPoint, opts.fileBinding);
  if (mounts.length > 0) doc.Mounts = mounts;
  const limits = jobLimits(w.resources, opts.hostProcessorCount);
  if (limits) doc.Limits = limits;
  return doc;
}
