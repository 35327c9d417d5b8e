/**
 * HCS schema v2 VirtualMachine (utility VM) document, the parts wincri builds typed field by field (hcsshim
 * internal/hcs/schema2: virtual_machine.go, topology.go, virtual_machine_memory.go, virtual_machine_processor.go,
 * chipset.go, uefi.go, uefi_boot_entry.go, devices.go, hv_socket_2.go, virtual_smb*.go, scsi.go, attachment.go,
 * network_adapter.go). Device kinds wincri never sends stay opaque.
 */
import { object, map, array, str, bool, int32, uint32, uint64, any, type Infer } from '../../schema.js';
import { Version } from './common.js';
import { HvSocketSystemConfig, RegistryChanges, StorageQoS } from './container.js';

export const VirtualMachineMemory = object('VirtualMachineMemory', {
  SizeInMB: uint64,
  Backing: str,
  AllowOvercommit: bool,
  EnableHotHint: bool,
  EnableColdHint: bool,
  EnableColdDiscardHint: bool,
  EnableDeferredCommit: bool,
  LowMmioGapInMB: uint64,
  HighMmioBaseInMB: uint64,
  HighMmioGapInMB: uint64,
  SlitType: str,
});
export type VirtualMachineMemoryDoc = Infer<typeof VirtualMachineMemory>;

/** Limit: processor time in 1/1000 of a percent of each vCPU (100000 = 100 %); Weight: relative to other VMs. */
export const VirtualMachineProcessor = object('VirtualMachineProcessor', {
  Count: uint32, Limit: uint64, Weight: uint64, Reservation: uint64, CpuGroup: any, NumaProcessorsSettings: any,
});
export type VirtualMachineProcessorDoc = Infer<typeof VirtualMachineProcessor>;

export const Topology = object('Topology', { Memory: VirtualMachineMemory, Processor: VirtualMachineProcessor, Numa: any });
export type TopologyDoc = Infer<typeof Topology>;

export const UefiBootEntry = object('UefiBootEntry', {
  DeviceType: str, DevicePath: str, DiskNumber: int32, OptionalData: str, VmbFsRootPath: str,
});
export const Uefi = object('Uefi', {
  EnableDebugger: bool, ApplySecureBootTemplate: str, SecureBootTemplateId: str, BootThis: UefiBootEntry, Console: str,
});
export const Chipset = object('Chipset', {
  Uefi: Uefi, IsNumLockDisabled: bool, BaseBoardSerialNumber: str, ChassisSerialNumber: str, ChassisAssetTag: str,
  UseUtc: bool, LinuxKernelDirect: any, FirmwareFile: any,
});
export type ChipsetDoc = Infer<typeof Chipset>;

export const VirtualSmbShareOptions = object('VirtualSmbShareOptions', {
  ReadOnly: bool, ShareRead: bool, CacheIo: bool, NoOplocks: bool, TakeBackupPrivilege: bool, UseShareRootIdentity: bool,
  NoDirectmap: bool, NoLocks: bool, NoDirnotify: bool, VmSharedMemory: bool, RestrictFileAccess: bool,
  ForceLevelIIOplocks: bool, ReparseBaseLayer: bool, PseudoOplocks: bool, NonCacheIo: bool, PseudoDirnotify: bool,
  SingleFileMapping: bool,
});
export const VirtualSmbShare = object('VirtualSmbShare', { Name: str, Path: str, AllowedFiles: array(str), Options: VirtualSmbShareOptions });
export type VirtualSmbShareDoc = Infer<typeof VirtualSmbShare>;
export const VirtualSmb = object('VirtualSmb', { Shares: array(VirtualSmbShare), DirectFileMappingInMB: int32 });

export const Attachment = object('Attachment', {
  Type: str, Path: str, IgnoreFlushes: bool, CachingMode: str, NoWriteHardening: bool, DisableExpansionOptimization: bool,
  IgnoreRelativeLocator: bool, CaptureIoAttributionContext: bool, ReadOnly: bool, SupportCompressedVolumes: bool,
  AlwaysAllowSparseFiles: bool, ExtensibleVirtualDiskType: str,
});
export const Scsi = object('Scsi', { Attachments: map(Attachment) });
export const NetworkAdapter = object('NetworkAdapter', { EndpointId: str, MacAddress: str, InstanceId: str });
export const HvSocket2 = object('HvSocket2', { HvSocketConfig: HvSocketSystemConfig });

export const Devices = object('Devices', {
  ComPorts: any, Scsi: map(Scsi), VirtualPMem: any, NetworkAdapters: map(NetworkAdapter), VideoMonitor: any,
  Keyboard: any, Mouse: any, HvSocket: HvSocket2, EnhancedModeVideo: any, GuestCrashReporting: any,
  VirtualSmb: VirtualSmb, Plan9: any, Battery: any, FlexibleIov: any, SharedMemory: any, VirtualPci: any,
});
export type DevicesDoc = Infer<typeof Devices>;

export const VirtualMachine = object('VirtualMachine', {
  Version: Version,
  StopOnReset: bool,
  Chipset: Chipset,
  ComputeTopology: Topology,
  Devices: Devices,
  GuestState: any,
  RestoreState: any,
  RegistryChanges: RegistryChanges,
  StorageQoS: StorageQoS,
  DebugOptions: any,
  GuestConnection: any,
  SecuritySettings: any,
  ResourcePartitionId: str,
  MigrationOptions: any,
});
export type VirtualMachineDoc = Infer<typeof VirtualMachine>;
