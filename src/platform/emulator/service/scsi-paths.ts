/**
 * SCSI guest paths in a hosted system's document (hcs/document/scsi.ts): a hosted container's Storage.Path names
 * the guest path its scratch disk is mounted at (`C:\mounts\scsi\m<n>`, vm-scsi.ts). The emulator resolves it at
 * create to the files of the writable layer the attached VHDX stands for (`<layer>/Files`, as a volume of that
 * layer resolves, storage.ts). A path under no mount of the VM is left as it is (process-isolated containers and
 * host volume paths are unchanged).
 *
 * The mount must have had its layers combined on it in the guest (CombinedLayers Add, vm-combine.ts): a bare
 * scratch disk is a container with no image files. What HCS returns then is not documented; the emulator's choice
 * is HCS_E_INVALID_LAYER (the container's layers are unusable), the HCS code nearest to "this root has no layers".
 */
import { join } from 'node:path';
import { PlatformError, HRESULT } from '../../hresult.js';
import type { ContainerDoc } from '../../hcs/schema/index.js';
import type { SystemRecord } from './records.js';
import { diskFolder, guestPathKey } from './vm-scsi.js';

/** Resolves Storage.Path in place; returns the path as sent when it named a SCSI guest mount. */
export function resolveScsiStorage(op: string, c: ContainerDoc | undefined, vm: SystemRecord | undefined): string | undefined {
  const p = c?.Storage?.Path;
  if (!p || !vm?.scsiMounts?.length) return undefined;
  const lower = guestPathKey(p);
  const mount = vm.scsiMounts.find((m) => lower === guestPathKey(m.path) || lower.startsWith(guestPathKey(m.path) + '\\'));
  if (!mount) return undefined;
  const disk = vm.document.VirtualMachine?.Devices?.Scsi?.[mount.controller]?.Attachments?.[String(mount.lun)];
  if (!disk?.Path) return undefined;
  if (!vm.combinedLayers?.some((x) => guestPathKey(x.root) === guestPathKey(mount.path))) {
    throw new PlatformError(HRESULT.HCS_E_INVALID_LAYER, op, `HostedSystem.Container.Storage.Path ${p}: no layers are combined on ${mount.path} in utility VM ${vm.id} (a CombinedLayers Add for that root must come first)`);
  }
  const rest = p.replace(/\\+$/, '').slice(mount.path.length).replace(/\\/g, '/');
  c!.Storage!.Path = join(diskFolder(disk.Path), 'Files') + rest;
  return p;
}
