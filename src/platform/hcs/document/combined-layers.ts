/**
 * A hosted container's root file system in a Windows utility VM (hcsshim internal/layers/wcow_mount.go
 * mountHypervIsolatedWCIFSLayers, internal/uvm/combine_layers.go CombineLayersWCOW): once its read-only layers are
 * VSMB shares (vsmb.ts) and its scratch disk is mounted in the guest (scsi.ts), the guest is asked to combine them —
 * a guest-only ModifySettingRequest (no ResourcePath) with GuestRequest CombinedLayers / Add whose
 * ContainerRootPath is the scratch's guest mount and whose Layers are {Id, Path: VSMB guest path}. The hosted
 * container is created after it; Remove (ContainerRootPath only) undoes it before the scratch is detached.
 * ScratchPath is left out (a Windows guest ignores it) and so is FilterType (WCIFS is the guest's default; inbox
 * guests before schema 2.9 reject the field).
 */
import type { ContainerDoc, LayerDoc, ModifySettingRequestDoc, WcowCombinedLayersDoc } from '../schema/index.js';
import { DocumentError } from './errors.js';
import { VSMB_GUEST_PREFIX } from './vsmb.js';
import { SCSI_GUEST_MOUNT_PREFIX } from './scsi.js';

export interface CombinedLayers { containerRootPath: string; layers: readonly LayerDoc[] }

const under = (p: string, prefix: string) => p.toLowerCase().startsWith(prefix.toLowerCase());

export function buildCombinedLayersRequest(requestType: 'Add' | 'Remove', c: CombinedLayers): ModifySettingRequestDoc {
  if (!c.containerRootPath) throw new DocumentError('combined layers: no container root path (the scratch\'s guest mount)');
  if (!under(c.containerRootPath, SCSI_GUEST_MOUNT_PREFIX)) throw new DocumentError(`combined layers: ${c.containerRootPath} is not a SCSI guest mount (${SCSI_GUEST_MOUNT_PREFIX}<n>)`);
  let settings: WcowCombinedLayersDoc = { ContainerRootPath: c.containerRootPath };
  if (requestType === 'Add') {
    if (!c.layers.length) throw new DocumentError('combined layers: a container needs at least its base layer');
    const layers = c.layers.map((l, i) => {
      if (!l.Id || !l.Path) throw new DocumentError(`combined layers: layer ${i} needs an Id and a Path`);
      if (!under(l.Path, VSMB_GUEST_PREFIX)) throw new DocumentError(`combined layers: layer ${l.Id} path ${l.Path} is not a VSMB guest path`);
      return { Id: l.Id, Path: l.Path };
    });
    settings = { ContainerRootPath: c.containerRootPath, Layers: layers };
  }
  return { GuestRequest: { ResourceType: 'CombinedLayers', RequestType: requestType, Settings: settings } };
}

/** What the guest combines for a hosted Container part whose storage names guest paths already (vsmb.ts, scsi.ts). */
export function combinedLayersOf(container: ContainerDoc): CombinedLayers {
  const root = container.Storage?.Path;
  if (!root) throw new DocumentError('hosted container: Storage.Path (the scratch\'s guest mount) is empty');
  return { containerRootPath: root, layers: container.Storage?.Layers ?? [] };
}
