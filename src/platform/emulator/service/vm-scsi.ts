/**
 * SCSI attachments of a running utility VM in the emulator (`VirtualMachine/Devices/Scsi/<controller>/Attachments/<lun>`,
 * hcs/document/scsi.ts). The emulator has no virtual disks: a VHDX stands for the writable layer folder holding it,
 * so an attach needs that folder and the disk file in it to exist (as Windows needs the VHDX). A MappedVirtualDisk guest request in the same request mounts the LUN at
 * a guest path (recorded on the VM; scsi-paths.ts resolves hosted documents naming it); a detach unmounts it.
 */
import { statSync } from 'node:fs';
import { PlatformError, HRESULT } from '../../hresult.js';
import { validate } from '../../schema.js';
import { Attachment, GuestModificationRequest, WcowMappedVirtualDisk, type ModifySettingRequestDoc, type VirtualMachineDoc } from '../../hcs/schema/index.js';
import type { SystemRecord } from './records.js';
import { invalid } from './documents.js';

/** How guest paths compare (Windows: case-insensitive; a trailing backslash names the same folder). */
export const guestPathKey = (p: string): string => p.toLowerCase().replace(/\\+$/, '');

export const SCSI_PATH = /^VirtualMachine\/Devices\/Scsi\/([^/]+)\/Attachments\/(\d+)$/;

/** The folder a VHDX path stands for in the emulator (the writable layer holding the disk). */
export const diskFolder = (vhdx: string): string => vhdx.replace(/[\\/][^\\/]*$/, '');

/** The virtual disk must exist as a file: Windows opens it, failing as an open does (folder or file missing). */
function checkDisk(op: string, what: string, path: string): void {
  if (statSync(path, { throwIfNoEntry: false })?.isFile()) return;
  const folder = statSync(diskFolder(path), { throwIfNoEntry: false })?.isDirectory();
  throw new PlatformError(folder ? HRESULT.ERROR_FILE_NOT_FOUND : HRESULT.ERROR_PATH_NOT_FOUND, op, `${what}: virtual disk ${path} does not exist`);
}

/** The disks a VirtualMachine document attaches at creation (the VM's own scratch) must exist too. */
export function checkVmDisks(op: string, vm: VirtualMachineDoc): void {
  for (const [controller, c] of Object.entries(vm.Devices?.Scsi ?? {})) {
    for (const [lun, a] of Object.entries(c.Attachments ?? {})) {
      if (a.Path && (a.Type ?? 'VirtualDisk') === 'VirtualDisk') checkDisk(op, `VirtualMachine.Devices.Scsi.${controller}.Attachments.${lun}`, a.Path);
    }
  }
}

function guestMount(op: string, req: ModifySettingRequestDoc, lun: number): string | undefined {
  if (req.GuestRequest === undefined || req.GuestRequest === null) return undefined;
  const g = validate(GuestModificationRequest, req.GuestRequest);
  if (!g.ok) throw invalid(op, 'GuestRequest', g.problem.message);
  if (g.value.ResourceType !== 'MappedVirtualDisk') throw invalid(op, 'GuestRequest.ResourceType', 'a SCSI attachment\'s guest request is MappedVirtualDisk');
  if (g.value.RequestType !== req.RequestType) throw invalid(op, 'GuestRequest.RequestType', `${g.value.RequestType ?? ''} does not match ${req.RequestType ?? ''}`);
  const d = validate(WcowMappedVirtualDisk, g.value.Settings);
  if (!d.ok) throw invalid(op, 'GuestRequest.Settings', d.problem.message);
  if (!d.value.ContainerPath) throw invalid(op, 'GuestRequest.Settings.ContainerPath', 'required');
  if ((d.value.Lun ?? 0) !== lun) throw invalid(op, 'GuestRequest.Settings.Lun', `${d.value.Lun ?? 0} is not the attachment's LUN ${lun}`);
  return d.value.ContainerPath;
}

export function applyScsiModify(op: string, s: SystemRecord, req: ModifySettingRequestDoc, m: RegExpExecArray): void {
  const devices = s.document.VirtualMachine!.Devices ?? (s.document.VirtualMachine!.Devices = {});
  const controller = m[1]!;
  const lun = Number(m[2]);
  const attachments = ((devices.Scsi ??= {})[controller] ??= {}).Attachments ??= {};
  const mounts = s.scsiMounts ?? (s.scsiMounts = []);
  const guestPath = guestMount(op, req, lun);
  if (req.RequestType === 'Add') {
    const a = validate(Attachment, req.Settings);
    if (!a.ok) throw invalid(op, 'Settings', a.problem.message);
    if (!a.value.Path || a.value.Type !== 'VirtualDisk') throw invalid(op, 'Settings', 'a SCSI attachment needs a Path and Type VirtualDisk');
    if (attachments[String(lun)]) throw new PlatformError(HRESULT.ERROR_ALREADY_EXISTS, op, `SCSI ${controller} LUN ${lun} is in use`);
    checkDisk(op, `SCSI ${controller} LUN ${lun}`, a.value.Path);
    if (guestPath && mounts.some((x) => guestPathKey(x.path) === guestPathKey(guestPath))) {
      throw new PlatformError(HRESULT.ERROR_ALREADY_EXISTS, op, `guest path ${guestPath} is mounted already`);
    }
    attachments[String(lun)] = a.value;
    if (guestPath) mounts.push({ path: guestPath, controller, lun });
  } else if (req.RequestType === 'Remove') {
    if (!attachments[String(lun)]) throw new PlatformError(HRESULT.ERROR_NOT_FOUND, op, `SCSI ${controller} LUN ${lun} has no attachment`);
    delete attachments[String(lun)];
    const gone = mounts.filter((x) => x.controller === controller && x.lun === lun).map((x) => guestPathKey(x.path));
    s.scsiMounts = mounts.filter((x) => !(x.controller === controller && x.lun === lun));
    // The guest's combination on the disk's mount goes with the disk.
    if (s.combinedLayers) s.combinedLayers = s.combinedLayers.filter((c) => !gone.includes(guestPathKey(c.root)));
  } else throw invalid(op, 'RequestType', `${req.RequestType ?? ''} is not supported for SCSI attachments`);
}
