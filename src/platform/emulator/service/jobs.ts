/**
 * Job containers (HostProcess) on Linux. A job container is a record of the compute emulator with a `job` part,
 * so start / shutdown / terminate / processes / stdio / statistics / persistence and re-adoption are the compute
 * systems' own (a job object's process list and accounting are what the compute emulator keeps per system: the
 * process groups of the processes it created). What differs lives here and in job-launch.ts:
 *  - create validates the JobContainer document, resolves its volume to the directory presented at the mount
 *    point (the writable layer's materialised union, as the bind filter presents the volume at `C:\hpc\`) and
 *    makes every mount appear under the mount point (a symlink; read-only is recorded, not enforced);
 *  - processes run on the host: no network, UTS, PID or mount namespace;
 *  - the user cannot be switched on Linux: it is recorded (with the temporary user a local group would get) and
 *    reported by `describe`;
 *  - HcsOpenComputeSystem / enumeration of compute systems do not see job containers and vice versa.
 *  - limits are a cgroup of the job's own, changed live by modify requests as a job object's are: job-limits.ts.
 */
import { mkdirSync, rmSync, symlinkSync, lstatSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PlatformError, HRESULT } from '../../hresult.js';
import { SystemQuery, type PropertiesDoc } from '../../hcs/schema/index.js';
import { JobContainer, type JobContainerDoc } from '../../jobs/schema.js';
import type { ComputeEmulator } from './compute.js';
import type { StorageEmulator } from './storage.js';
import type { SystemRecord } from './records.js';
import { parseDoc, invalid } from './documents.js';
import { isDirectory } from './paths.js';
import { pathExists } from './mappings.js';
import { mapJobPath } from './job-paths.js';
import { jobView } from './job-launch.js';

const OP_CREATE = 'CreateJobContainer';

export interface JobDescription {
  id: string;
  state: string;
  /** The host directory presented at the mount point. */
  hostMountPoint: string;
  document: JobContainerDoc;
}

export class JobEmulator {
  constructor(
    private readonly stateDir: string,
    private readonly compute: ComputeEmulator,
    private readonly storage: StorageEmulator,
  ) {}

  private job(op: string, id: unknown): SystemRecord {
    if (typeof id !== 'string' || id === '') throw new PlatformError(HRESULT.E_INVALIDARG, op, 'id is required');
    const s = this.compute.record(id);
    if (!s?.job) throw new PlatformError(HRESULT.HCS_E_SYSTEM_NOT_FOUND, op, `job container ${id} not found`);
    return s;
  }

  async create(id: unknown, text: unknown): Promise<void> {
    const op = OP_CREATE;
    if (typeof id !== 'string' || id === '') throw new PlatformError(HRESULT.E_INVALIDARG, op, 'id is required');
    const doc = parseDoc(JobContainer, op, text, false);
    if (!/^[A-Za-z]:\\(.+\\)?$/.test(doc.MountPoint)) throw invalid(op, 'MountPoint', 'must be an absolute Windows directory path ending with a backslash');
    if (doc.User.Kind === 'LocalGroup' && !doc.User.TemporaryUser) throw invalid(op, 'User.TemporaryUser', 'required for a local group');
    if (this.compute.record(id)) throw new PlatformError(HRESULT.HCS_E_SYSTEM_ALREADY_EXISTS, op, `a system named ${id} already exists`);
    const root = this.storage.resolveStoragePath(op, doc.RootVolume);
    if (!isDirectory(root)) throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, op, `volume ${doc.RootVolume} is not mounted`);
    for (const [i, m] of (doc.Mounts ?? []).entries()) {
      if (!pathExists(m.HostPath)) throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, op, `Mounts[${i}].HostPath ${m.HostPath} does not exist`);
    }
    const hostDrives = join(this.stateDir, 'host');
    mkdirSync(join(hostDrives, 'c'), { recursive: true });
    const rec: SystemRecord = {
      id, state: 'Created', root, createdAt: new Date().toISOString(), processes: [],
      document: { Owner: doc.Owner, SchemaVersion: { Major: 2, Minor: 1 }, ShouldTerminateOnLastHandleClosed: false },
      job: { document: doc, hostDrives },
    };
    const v = jobView(rec);
    for (const [i, m] of (doc.Mounts ?? []).entries()) {
      const target = mapJobPath(v, m.MountPointPath, root);
      if (!target || !target.startsWith(root + '/')) throw invalid(op, `Mounts[${i}].MountPointPath`, `${m.MountPointPath} is not below the mount point ${doc.MountPoint}`);
      if (isLink(target) || pathExists(target)) rmSync(target, { recursive: true, force: true });
      mkdirSync(dirname(target), { recursive: true });
      symlinkSync(m.HostPath, target);
    }
    await this.compute.register(rec);
  }

  open(id: unknown): void { this.job('OpenJobContainer', id); }

  enumerate(queryText: unknown): PropertiesDoc[] {
    const q = parseDoc(SystemQuery, 'EnumerateJobContainers', queryText, true);
    return this.compute.basicProperties((s) => {
      if (!s.job) return false;
      if (q.Ids?.length && !q.Ids.includes(s.id)) return false;
      if (q.Names?.length && !q.Names.includes(s.id)) return false;
      if (q.Owners?.length && !q.Owners.includes(s.job.document.Owner)) return false;
      return true;
    });
  }

  describe(id: unknown): JobDescription {
    const s = this.job('DescribeJobContainer', id);
    return { id: s.id, state: s.state, hostMountPoint: s.root!, document: s.job!.document };
  }
}

function isLink(p: string): boolean {
  try { return lstatSync(p).isSymbolicLink(); } catch { return false; }
}
