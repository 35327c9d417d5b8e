/**
 * Hosted-container storage through VSMB (hcsshim internal/uvm/vsmb.go, internal/layers): each read-only layer
 * folder and each mounted host directory is shared into the utility VM (`VirtualMachine/Devices/VirtualSmb/Shares`),
 * where the guest sees it as `\\?\VMSMB\VSMB-{dcc079ae-60ba-4d07-847c-3493609c0870}\<share>`; the hosted container
 * document then names those guest paths instead of host paths. Shares are named `s<n>` (n in hex), as hcsshim
 * counts them. Layers get DefaultVSMBOptions(readOnly) plus TakeBackupPrivilege; read-write mounts no options.
 * The container's scratch (its writable layer) is not a share: hcsshim attaches it over SCSI (scsi.ts) and the guest
 * combines the layers on it (combined-layers.ts).
 */
import type { ContainerDoc, ModifySettingRequestDoc, VirtualSmbShareDoc } from '../schema/index.js';
import { DocumentError } from './errors.js';

export const VSMB_SHARES_PATH = 'VirtualMachine/Devices/VirtualSmb/Shares';
export const VSMB_GUEST_PREFIX = '\\\\?\\VMSMB\\VSMB-{dcc079ae-60ba-4d07-847c-3493609c0870}\\';

export const vsmbShareName = (n: number): string => `s${n.toString(16)}`;
export const vsmbGuestPath = (shareName: string): string => VSMB_GUEST_PREFIX + shareName;

/** hcsshim DefaultVSMBOptions(readOnly): a read-only share is cached, share-read and pseudo-oplocked. */
export function vsmbOptions(readOnly: boolean, layer = false): NonNullable<VirtualSmbShareDoc['Options']> {
  const o: NonNullable<VirtualSmbShareDoc['Options']> = {};
  if (readOnly) Object.assign(o, { ReadOnly: true, ShareRead: true, CacheIo: true, PseudoOplocks: true });
  if (layer) o.TakeBackupPrivilege = true;
  return o;
}

export function buildVsmbShareRequest(requestType: 'Add' | 'Remove', share: VirtualSmbShareDoc): ModifySettingRequestDoc {
  if (!share.Name) throw new DocumentError('VSMB share: no name');
  if (requestType === 'Add' && !share.Path) throw new DocumentError(`VSMB share ${share.Name}: no host path`);
  return { RequestType: requestType, ResourcePath: VSMB_SHARES_PATH, Settings: requestType === 'Add' ? share : { Name: share.Name } };
}

/** Names the share for a host folder with these options: a runtime that shares a folder once reuses its name. */
export type VsmbNamer = (path: string, options: NonNullable<VirtualSmbShareDoc['Options']>) => string;

/**
 * The shares a hosted container needs (its read-only layers, then its mounted directories, numbered from
 * `firstIndex`, or named by `namer`; a name used twice is listed once) and its Container part rewritten to name
 * their guest paths.
 */
export function vsmbHostedStorage(container: ContainerDoc, firstIndex: number | VsmbNamer): { shares: VirtualSmbShareDoc[]; container: ContainerDoc } {
  const shares: VirtualSmbShareDoc[] = [];
  const share = (path: string, options: NonNullable<VirtualSmbShareDoc['Options']>): string => {
    const name = typeof firstIndex === 'number' ? vsmbShareName(firstIndex + shares.length) : firstIndex(path, options);
    if (!shares.some((s) => s.Name === name)) shares.push({ Name: name, Path: path, Options: options });
    return vsmbGuestPath(name);
  };
  const out = structuredClone(container);
  if (out.Storage?.Layers) {
    out.Storage.Layers = out.Storage.Layers.map((l) => {
      if (!l.Path) throw new DocumentError(`layer ${l.Id ?? ''} has no path to share into the utility VM`);
      return { ...l, Path: share(l.Path, vsmbOptions(true, true)) };
    });
  }
  if (out.MappedDirectories) {
    out.MappedDirectories = out.MappedDirectories.map((md) => {
      if (!md.HostPath) throw new DocumentError(`mapped directory ${md.ContainerPath ?? ''} has no host path`);
      return { ...md, HostPath: share(md.HostPath, vsmbOptions(!!md.ReadOnly)) };
    });
  }
  return { shares, container: out };
}
