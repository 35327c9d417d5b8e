/**
 * SCSI guest paths in a hosted system's document (hcs/document/scsi.ts): a hosted container's Storage.Path names
 * the guest path its scratch disk is mounted at (`C:\mounts\scsi\m<n>`, vm-scsi.ts). The emulator resolves it at
 * create to the files of the writable layer the attached VHDX stands for (`<layer>/Files`, as a volume of that
 * layer resolves, storage.ts). A path under no mount of the VM is left as it is (process-isolated containers and
 * host volume paths are unchanged).
 */
import { join } from 'node:path';
import type { ContainerDoc } from '../../hcs/schema/index.js';
import type { SystemRecord } from './records.js';
import { diskFolder } from './vm-scsi.js';

/** Resolves Storage.Path in place; returns the path as sent when it named a SCSI guest mount. */
export function resolveScsiStorage(c: ContainerDoc | undefined, vm: SystemRecord | undefined): string | undefined {
  const p = c?.Storage?.Path;
  if (!p || !vm?.scsiMounts?.length) return undefined;
  const lower = p.toLowerCase().replace(/\\+$/, '');
  const mount = vm.scsiMounts.find((m) => lower === m.path.toLowerCase() || lower.startsWith(m.path.toLowerCase() + '\\'));
  if (!mount) return undefined;
  const disk = vm.document.VirtualMachine?.Devices?.Scsi?.[mount.controller]?.Attachments?.[String(mount.lun)];
  if (!disk?.Path) return undefined;
  const rest = p.replace(/\\+$/, '').slice(mount.path.length).replace(/\\/g, '/');
  c!.Storage!.Path = join(diskFolder(disk.Path), 'Files') + rest;
  return p;
}
