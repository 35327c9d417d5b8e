/**
 * The job-container document: how a HostProcess container is set up on the host. Not an HCS schema (HCS has no
 * such object; hcsshim's internal/jobcontainers builds the same things in code from the OCI spec) but a wincri
 * document, so that the policy (ContainerSpec → JobContainer) is a pure, fixture-tested builder and both backends
 * (Windows job objects, the emulator) receive and validate the same shape.
 *
 * Facts behind the fields (reference/hcs.md §5, hcsshim internal/jobcontainers):
 *  - one job object `JobContainer_<id>` per container, every process of the container assigned to it;
 *  - the union of the image layers (the writable layer's volume) shows up at MountPoint: with the bind filter
 *    (bindfltapi.dll present) the job becomes a silo and the volume is bound silo-privately at `C:\hpc\`; without
 *    it the volume is mounted at `C:\hpc\<id>\` (volume mount point) for everyone to see;
 *  - `CONTAINER_SANDBOX_MOUNT_POINT` = MountPoint in every process's environment;
 *  - mounts appear under the mount point (symlinks, for compatibility) and, with the bind filter, also at their
 *    own container path;
 *  - the user: `NT AUTHORITY\*` service accounts log on as services, a local group gets a temporary local user
 *    (named after the container) in that group logged on interactively, any other name logs on interactively.
 */
import { object, array, map, str, bool, uint32, uint64, literal, required, type Infer } from '../schema.js';

export const JobUserKind = literal('ServiceAccount', 'LocalGroup', 'User');
export const JobLogonType = literal('Service', 'Interactive');

export const JobUser = object('JobUser', {
  /** The name as requested (run_as_username), e.g. `NT AUTHORITY\SYSTEM` or a local group. */
  Name: required(str),
  Kind: required(JobUserKind),
  LogonType: required(JobLogonType),
  /** LocalGroup only: the temporary local user created for the container and added to the group. */
  TemporaryUser: str,
});
export type JobUserDoc = Infer<typeof JobUser>;

export const JobLayer = object('JobLayer', { Id: required(str), Path: required(str) });

export const JobMount = object('JobMount', {
  HostPath: required(str),
  /** The mount's container path as requested (C:\data, or relative). */
  ContainerPath: required(str),
  /** Where it appears under the mount point (always). */
  MountPointPath: required(str),
  /** With the bind filter: also bound at this absolute path inside the silo. */
  BoundPath: str,
  ReadOnly: bool,
});
export type JobMountDoc = Infer<typeof JobMount>;

/** Job object limits (JOBOBJECT_CPU_RATE_CONTROL_INFORMATION, JOBOBJECT_EXTENDED_LIMIT_INFORMATION). */
export const JobLimits = object('JobLimits', {
  /** CPU rate in 1/100 of a percent of all host CPUs (1..10000). */
  CpuRate: uint32,
  /** CPU weight (1..9). */
  CpuWeight: uint32,
  /** Job memory limit in bytes. */
  JobMemoryLimitInBytes: uint64,
});
export type JobLimitsDoc = Infer<typeof JobLimits>;

export const JobContainer = object('JobContainer', {
  /** The caller recorded on the container (enumerations filter on it). */
  Owner: required(str),
  /** Name of the job object (`JobContainer_<id>`). */
  JobName: required(str),
  /** The volume of the container's writable layer over its image layers (`\\?\Volume{GUID}\`). */
  RootVolume: required(str),
  /** The read-only image layers, top-most first (recorded; the volume already presents their union). */
  Layers: array(JobLayer),
  /** Where the image appears on the host, with a trailing backslash (`C:\hpc\`). */
  MountPoint: required(str),
  /** true: silo + bind filter (mount point private to the container); false: volume mount point on the host. */
  FileBinding: required(bool),
  User: required(JobUser),
  /** Added to every process's environment (CONTAINER_SANDBOX_MOUNT_POINT). */
  Environment: map(str),
  Mounts: array(JobMount),
  Limits: JobLimits,
});
export type JobContainerDoc = Infer<typeof JobContainer>;
