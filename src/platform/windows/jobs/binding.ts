/**
 * Where a job container's image and mounts appear (hcsshim jobcontainers bindSetup / fallbackSetup):
 *  - with the bind filter (bindfltapi.dll): the job becomes a silo; the volume is bound silo-privately at the
 *    mount point (`C:\hpc\`) and each mount at its own container path (read-only when asked);
 *  - without it (hosts before Windows Server 2022): the volume is mounted for the whole host at `C:\hpc\<id>\`
 *    (SetVolumeMountPointW on an empty directory) and each mount becomes a symbolic link under it, at the mount's
 *    container path relative to the mount point. Read-only cannot be enforced by a link (hcsshim neither).
 * Teardown (job stopped or gone): the volume mount point is removed before the runtime destroys the layer.
 */
import type { JobContainerDoc } from '../../jobs/schema.js';
import { PlatformError } from '../../hresult.js';
import {
  type Bindings, type Pointer, failed, win32Error, JobObjectCreateSilo, BINDFLT_FLAG_READ_ONLY_MAPPING,
  BINDFLT_FLAG_USE_CURRENT_SILO_MAPPING, FILE_ATTRIBUTE_DIRECTORY, INVALID_FILE_ATTRIBUTES, ERROR_ALREADY_EXISTS,
  SYMBOLIC_LINK_FLAG_DIRECTORY, SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE,
} from '../ffi/index.js';

const OP = 'CreateJobContainer';

export function bindFilterSetup(b: Bindings, h: Pointer, doc: JobContainerDoc): void {
  const j = b.jobs;
  if (!j.SetInformationJobObject(h, JobObjectCreateSilo, null, 0)) throw win32Error(j.GetLastError() as number, OP, 'promote to silo');
  const bind = (root: string, target: string, ro: boolean) => {
    const hr = j.BfSetupFilter!(h, BINDFLT_FLAG_USE_CURRENT_SILO_MAPPING | (ro ? BINDFLT_FLAG_READ_ONLY_MAPPING : 0), root, target, null, 0) as number;
    if (failed(hr)) throw new PlatformError(hr >>> 0, OP, `BfSetupFilter ${root} → ${target}`);
  };
  bind(doc.MountPoint, doc.RootVolume, false);
  for (const m of doc.Mounts ?? []) if (m.BoundPath) bind(m.BoundPath, m.HostPath, !!m.ReadOnly);
}

/** Creates `path` and its missing parents below `from` (an existing directory is fine). */
function mkdirs(b: Bindings, path: string, from = path.slice(0, 3)): void {
  const parts = path.replace(/\\+$/, '').split('\\');
  for (let i = from.replace(/\\+$/, '').split('\\').length + 1; i <= parts.length; i++) {
    const dir = parts.slice(0, i).join('\\');
    if (!b.volumes.CreateDirectoryW(dir, null)) {
      const code = b.jobs.GetLastError() as number;
      if (code !== ERROR_ALREADY_EXISTS) throw win32Error(code, OP, `CreateDirectoryW ${dir}`);
    }
  }
}

export function fallbackSetup(b: Bindings, doc: JobContainerDoc): void {
  const v = b.volumes;
  mkdirs(b, doc.MountPoint);
  if (!v.SetVolumeMountPointW(doc.MountPoint, doc.RootVolume)) {
    const e = win32Error(b.jobs.GetLastError() as number, OP, `SetVolumeMountPointW ${doc.MountPoint} → ${doc.RootVolume}`);
    v.RemoveDirectoryW(doc.MountPoint);
    throw e;
  }
  try {
    for (const m of doc.Mounts ?? []) {
      const link = m.MountPointPath.replace(/\\+$/, '');
      mkdirs(b, link.slice(0, link.lastIndexOf('\\')), doc.MountPoint);
      const attrs = v.GetFileAttributesW(m.HostPath) as number;
      const dir = attrs === INVALID_FILE_ATTRIBUTES || (attrs & FILE_ATTRIBUTE_DIRECTORY) !== 0;
      if (!v.CreateSymbolicLinkW(link, m.HostPath, (dir ? SYMBOLIC_LINK_FLAG_DIRECTORY : 0) | SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE)) {
        throw win32Error(b.jobs.GetLastError() as number, OP, `CreateSymbolicLinkW ${link} → ${m.HostPath}`);
      }
    }
  } catch (e) {
    fallbackTeardown(b, doc);
    throw e;
  }
}

/** Best effort: the mount point may already be gone (a second teardown after a restart). */
export function fallbackTeardown(b: Bindings, doc: JobContainerDoc): void {
  if (doc.FileBinding) return;
  b.volumes.DeleteVolumeMountPointW(doc.MountPoint);
  b.volumes.RemoveDirectoryW(doc.MountPoint);
}
