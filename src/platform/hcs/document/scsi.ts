/**
 * A hosted container's scratch over SCSI (hcsshim internal/uvm/scsi.go, WCOW): the writable layer's VHDX is
 * hot-added to the utility VM at `VirtualMachine/Devices/Scsi/<controller GUID>/Attachments/<lun>` and, in the same
 * request, the guest is asked to mount that LUN (a MappedVirtualDisk guest request carrying WCOWMappedVirtualDisk)
 * at `C:\mounts\scsi\m<n>`. The hosted document's Storage.Path then names that guest path. LUN 0 of controller 0
 * is the VM's own scratch disk (utility-vm.ts); a controller has 64 LUNs.
 */
import type { ContainerDoc, ModifySettingRequestDoc } from '../schema/index.js';
import { DocumentError } from './errors.js';
import { SCSI_CONTROLLER_0 } from './utility-vm.js';

export const SCSI_LUNS_PER_CONTROLLER = 64;
/** The first LUN free for containers on controller 0 (LUN 0 holds the utility VM's own scratch). */
export const SCSI_FIRST_CONTAINER_LUN = 1;
export const SCSI_GUEST_MOUNT_PREFIX = 'C:\\mounts\\scsi\\m';

export const scsiAttachmentPath = (lun: number, controller = SCSI_CONTROLLER_0): string =>
  `VirtualMachine/Devices/Scsi/${controller}/Attachments/${lun}`;
export const scsiGuestMountPath = (n: number): string => `${SCSI_GUEST_MOUNT_PREFIX}${n}`;

export interface ScsiScratch { vhdxPath: string; lun: number; guestPath: string; controller?: string }

/** Attaches (Add) or detaches (Remove) a scratch VHDX, with the guest request that mounts / unmounts it. */
export function buildScsiScratchRequest(requestType: 'Add' | 'Remove', d: ScsiScratch): ModifySettingRequestDoc {
  if (!Number.isInteger(d.lun) || d.lun < 0 || d.lun >= SCSI_LUNS_PER_CONTROLLER) throw new DocumentError(`SCSI LUN ${d.lun} is out of range 0..${SCSI_LUNS_PER_CONTROLLER - 1}`);
  if (!d.guestPath) throw new DocumentError('SCSI scratch: no guest mount path');
  if (requestType === 'Add' && !d.vhdxPath) throw new DocumentError('SCSI scratch: no VHDX path');
  return {
    RequestType: requestType,
    ResourcePath: scsiAttachmentPath(d.lun, d.controller),
    ...(requestType === 'Add' ? { Settings: { Type: 'VirtualDisk', Path: d.vhdxPath } } : {}),
    GuestRequest: { ResourceType: 'MappedVirtualDisk', RequestType: requestType, Settings: { ContainerPath: d.guestPath, Lun: d.lun } },
  };
}

/** The hosted container's Container part with its storage (scratch) at the guest path the scratch disk is mounted at. */
export function scsiHostedStorage(container: ContainerDoc, guestPath: string): ContainerDoc {
  if (!guestPath) throw new DocumentError('SCSI scratch: no guest mount path');
  const out = structuredClone(container);
  out.Storage = { ...(out.Storage ?? {}), Path: guestPath };
  return out;
}
