/**
 * The utility VM of a Hyper-V isolated (Xenon) pod, the shape hcsshim builds in internal/uvm/create_wcow.go
 * (prepareCommonConfigDoc + prepareConfigDoc, VmbFs boot; reference/hcs.md §3.4): memory and processors, an
 * HvSocket bind descriptor for SYSTEM and Administrators, the image's `UtilityVM\Files` as the read-only VSMB
 * share "os" the VM boots from (UEFI → `\EFI\Microsoft\Boot\bootmgfw.efi`), and its scratch disk on SCSI 0:0.
 */
import type { ComputeSystemDoc, VersionDoc } from '../schema/index.js';
import { DEFAULT_SCHEMA_VERSION } from './container.js';
import { DocumentError } from './errors.js';

/** The first SCSI controller of a utility VM (a v5 GUID, hcsshim guestrequest.ScsiControllerGuids[0]). */
export const SCSI_CONTROLLER_0 = 'df6d0690-79e5-55b6-a5ec-c1e2f77f580a';
export const UVM_BOOT_FILE = '\\EFI\\Microsoft\\Boot\\bootmgfw.efi';
/** SYSTEM and Administrators may bind Hyper-V sockets (the guest's GCS connection). */
export const UVM_HVSOCKET_BIND_SD = 'D:P(A;;FA;;;SY)(A;;FA;;;BA)';

export interface UtilityVmDocumentOptions {
  owner: string;
  /** The base layer's `UtilityVM` folder (the VM boots the image's own kernel). */
  utilityVmPath: string;
  /** The VM's scratch disk (a copy of `UtilityVM\SystemTemplate.vhdx`), attached on SCSI 0:0. */
  scratchVhdPath: string;
  memoryMiB: number;
  processorCount: number;
  hostProcessorCount: number;
  /** Processor time per vCPU in 1/1000 %; 0 or undefined leaves the platform default (100 %). */
  processorLimit?: number;
  schemaVersion?: VersionDoc;
}

/** A child path in the style of its parent (a Windows path, or a Linux one on the emulator). */
export function childPath(parent: string, ...parts: string[]): string {
  const sep = parent.includes('\\') || !parent.startsWith('/') ? '\\' : '/';
  return [parent.replace(/[\\/]+$/, ''), ...parts].join(sep);
}

/** The template of a utility VM's scratch disk in the image's UtilityVM folder (copied per VM). */
export const utilityVmScratchTemplate = (utilityVmPath: string): string => childPath(utilityVmPath, 'SystemTemplate.vhdx');

/** hcsshim NormalizeMemorySize: whole MiB rounded up to an even number. */
export function normalizeVmMemory(mib: number): number {
  const m = Math.ceil(mib);
  return m + (m % 2);
}

export function buildUtilityVmDocument(o: UtilityVmDocumentOptions): ComputeSystemDoc {
  if (!o.utilityVmPath) throw new DocumentError('utility VM: the image\'s UtilityVM folder (boot files) is not known');
  if (!o.scratchVhdPath) throw new DocumentError('utility VM: no scratch disk path');
  if (!(o.memoryMiB >= 1)) throw new DocumentError(`utility VM: memory must be at least 1 MiB, got ${o.memoryMiB}`);
  if (!(o.processorCount >= 1)) throw new DocumentError(`utility VM: processor count must be at least 1, got ${o.processorCount}`);
  const count = Math.max(1, Math.min(Math.floor(o.processorCount), o.hostProcessorCount > 0 ? o.hostProcessorCount : o.processorCount));
  const processor: { Count: number; Limit?: number } = { Count: count };
  if (o.processorLimit && o.processorLimit > 0) processor.Limit = Math.min(100000, Math.floor(o.processorLimit));
  return {
    Owner: o.owner,
    SchemaVersion: { ...(o.schemaVersion ?? DEFAULT_SCHEMA_VERSION) },
    // The VM must outlive the daemon as its containers do (see buildContainerDocument).
    ShouldTerminateOnLastHandleClosed: false,
    VirtualMachine: {
      StopOnReset: true,
      Chipset: { Uefi: { BootThis: { DeviceType: 'VmbFs', DevicePath: UVM_BOOT_FILE } } },
      ComputeTopology: {
        Memory: { SizeInMB: normalizeVmMemory(o.memoryMiB), AllowOvercommit: true, EnableHotHint: true },
        Processor: processor,
      },
      Devices: {
        HvSocket: { HvSocketConfig: { DefaultBindSecurityDescriptor: UVM_HVSOCKET_BIND_SD, ServiceTable: {} } },
        VirtualSmb: {
          DirectFileMappingInMB: 1024,
          Shares: [{
            Name: 'os', Path: childPath(o.utilityVmPath, 'Files'),
            Options: { ReadOnly: true, ShareRead: true, CacheIo: true, PseudoOplocks: true, TakeBackupPrivilege: true },
          }],
        },
        Scsi: { [SCSI_CONTROLLER_0]: { Attachments: { '0': { Path: o.scratchVhdPath, Type: 'VirtualDisk' } } } },
      },
    },
  };
}
