/**
 * HcsModifyComputeSystem requests the emulator applies to a container's settings (memory, processor, mappings).
 * A limit is validated, written to the cgroup, then recorded in the document. A failed write leaves the document as
 * it was and the cgroup with the recorded limits: those are written back (cgroup-update.ts), or a cgroup just made
 * again is removed (cgroup-recreate.ts).
 */
import { PlatformError, HRESULT } from '../../hresult.js';
import { validate } from '../../schema.js';
import { Processor, MappedDirectory, type ContainerDoc, type MappedDirectoryDoc, type ModifySettingRequestDoc } from '../../hcs/schema/index.js';
import type { SystemRecord } from './records.js';
import { invalid, checkProcessor } from './documents.js';
import { pathExists, materializeMapping } from './mappings.js';
import { updateLimits } from './cgroup-update.js';
import { limitsFailure } from './cgroup-errors.js';
import { ensureIsolationCgroup } from './isolate.js';
import { mountLive, unmountLive } from './live-mounts.js';

/** Where the system's cgroup is: its hosting VM (whose cgroup is above it), and the service's log. */
export interface ModifyContext { hosting: SystemRecord | undefined; log: (m: string) => void }

/**
 * The container's validated new settings `next` to its cgroup, before the document records them: a cgroup (or its
 * hosting VM's) found gone is made again, with `next` (cgroup-recreate.ts), so each limit file is written once.
 */
function limit(op: string, s: SystemRecord, recorded: ContainerDoc, next: ContainerDoc, at: ModifyContext): void {
  const cg = s.isolation?.cgroup;
  if (!cg || ensureIsolationCgroup(op, s, at.hosting, at.log, next)) return;
  try { updateLimits(cg, next, recorded, { id: s.id, log: at.log }); } catch (e) { throw limitsFailure(op, s.id, e); }
}

export function applyModify(op: string, s: SystemRecord, req: ModifySettingRequestDoc, at: ModifyContext): void {
  const c = s.document.Container ?? s.document.HostedSystem?.Container;
  if (!c) throw new PlatformError(HRESULT.E_INVALIDARG, op, 'only container settings can be modified');
  const path = (req.ResourcePath ?? '').replace(/^\/+/, '');
  switch (path) {
    case 'Container/Memory/SizeInMB': {
      if (typeof req.Settings !== 'number' || !Number.isInteger(req.Settings) || req.Settings < 0) throw invalid(op, 'Settings', 'expected uint64');
      const Memory = { ...(c.Memory ?? {}), SizeInMB: req.Settings };
      limit(op, s, c, { ...c, Memory }, at);
      c.Memory = Memory;
      break;
    }
    case 'Container/Processor': {
      const r = validate(Processor, req.Settings);
      if (!r.ok) throw invalid(op, `Settings${r.problem.path === '<document>' ? '' : '.' + r.problem.path}`, r.problem.message);
      checkProcessor(op, r.value, 'Settings');
      limit(op, s, c, { ...c, Processor: r.value }, at);
      c.Processor = r.value;
      break;
    }
    case 'Container/MappedDirectories': {
      const r = validate(MappedDirectory, req.Settings);
      if (!r.ok) throw invalid(op, 'Settings', r.problem.message);
      const md: MappedDirectoryDoc = r.value;
      const list = c.MappedDirectories ?? (c.MappedDirectories = []);
      if (req.RequestType === 'Add') {
        if (md.HostPath && !pathExists(md.HostPath)) throw new PlatformError(HRESULT.ERROR_PATH_NOT_FOUND, op, `${md.HostPath} does not exist`);
        if (s.state !== 'Created' && s.root && s.isolation && s.holder) mountLive(s.holder, s.root, md, s.isolation.created);
        else if (s.state === 'Running' && s.root) materializeMapping(op, s.root, md);
        list.push(md);
      } else if (req.RequestType === 'Remove') {
        const i = list.findIndex((x) => x.ContainerPath === md.ContainerPath);
        if (i < 0) throw new PlatformError(HRESULT.ERROR_NOT_FOUND, op, `${md.ContainerPath ?? ''} is not mapped`);
        if (s.root && s.isolation && s.holder) unmountLive(s.holder, s.root, list[i]!);
        list.splice(i, 1);
      } else throw new PlatformError(HRESULT.E_INVALIDARG, op, `RequestType ${req.RequestType ?? ''} not supported for ${path}`);
      break;
    }
    default:
      throw new PlatformError(HRESULT.E_INVALIDARG, op, `ResourcePath ${req.ResourcePath ?? '(none)'} is not supported by the emulator`);
  }
}
