/**
 * HCS schema v2 ComputeSystem document and its Container children (hcsshim internal/hcs/schema2:
 * compute_system.go, container.go, storage.go, layer.go, mapped_directory.go, mapped_pipe.go, memory.go,
 * processor.go, networking.go, hv_socket*.go, registry_*.go, device.go). The ComputeSystem envelope is in
 * compute-system.ts, the utility VM in virtual-machine.ts.
 */
import { object, array, map, str, bool, int32, uint64, any, literal, type Infer } from '../../schema.js';

export const GuestOs = object('GuestOs', { HostName: str });
export type GuestOsDoc = Infer<typeof GuestOs>;

/** Layer.PathType and LayerData.FilterType values. */
export const FileSystemFilterType = literal('UnionFS', 'WCIFS');
export const Layer = object('Layer', {
  Id: str, // GUID (NameToGuid of the layer folder name)
  Path: str,
  /** string in hcsshim (DOCS: PathType enum, e.g. "AbsolutePath"). */
  PathType: str,
  Cache: str,
});
export type LayerDoc = Infer<typeof Layer>;

/** Go int32 in hcsshim (DOCS: uint64). */
export const StorageQoS = object('StorageQoS', { IopsMaximum: int32, BandwidthMaximum: int32 });
export type StorageQoSDoc = Infer<typeof StorageQoS>;

export const Storage = object('Storage', {
  Layers: array(Layer),
  /** Scratch volume, `\\?\Volume{GUID}\` with the trailing backslash for process isolation. */
  Path: str,
  QoS: StorageQoS,
  PrivilegedContainerRootPath: str,
});
export type StorageDoc = Infer<typeof Storage>;

export const HostPathType = literal('AbsolutePath', 'VirtualSmbShareName', 'VirtualSmbPipeName');
export type HostPathTypeDoc = Infer<typeof HostPathType>;

export const MappedDirectory = object('MappedDirectory', {
  HostPath: str,
  HostPathType: HostPathType,
  ContainerPath: str,
  ReadOnly: bool,
});
export type MappedDirectoryDoc = Infer<typeof MappedDirectory>;

export const MappedPipe = object('MappedPipe', {
  /** Pipe name inside the container without the `\\.\pipe\` prefix. */
  ContainerPipeName: str,
  HostPath: str,
  HostPathType: HostPathType,
});
export type MappedPipeDoc = Infer<typeof MappedPipe>;

/** Container memory (schema2 memory.go). */
export const Memory = object('Memory', { SizeInMB: uint64 });
export type MemoryDoc = Infer<typeof Memory>;

/**
 * Container processor (schema2 processor.go, Go int32). Count, Maximum (cycles per 10 000 of all host CPUs)
 * and Weight (0..10000) are mutually exclusive.
 */
export const Processor = object('Processor', { Count: int32, Maximum: int32, Weight: int32 });
export type ProcessorDoc = Infer<typeof Processor>;

export const Networking = object('Networking', {
  AllowUnqualifiedDnsQuery: bool,
  /** Comma-joined search suffixes. */
  DnsSearchList: str,
  NetworkSharedContainerName: str,
  /** HNS namespace GUID. */
  Namespace: str,
  NetworkAdapters: array(str),
});
export type NetworkingDoc = Infer<typeof Networking>;

export const HvSocketServiceConfig = object('HvSocketServiceConfig', {
  BindSecurityDescriptor: str,
  ConnectSecurityDescriptor: str,
  AllowWildcardBinds: bool,
  Disabled: bool,
});
export const HvSocketSystemConfig = object('HvSocketSystemConfig', {
  DefaultBindSecurityDescriptor: str,
  DefaultConnectSecurityDescriptor: str,
  ServiceTable: map(HvSocketServiceConfig),
});
export const HvSocket = object('HvSocket', { Config: HvSocketSystemConfig, EnablePowerShellDirect: bool });
export type HvSocketDoc = Infer<typeof HvSocket>;

export const ContainerCredentialGuardState = object('ContainerCredentialGuardState', {
  Cookie: str, RpcEndpoint: str, Transport: str, CredentialSpec: str,
});
export type ContainerCredentialGuardStateDoc = Infer<typeof ContainerCredentialGuardState>;

export const RegistryHive = literal('System', 'Software', 'Security', 'Sam');
export const RegistryValueType = literal(
  'None', 'String', 'ExpandedString', 'MultiString', 'Binary', 'DWord', 'QWord', 'CustomType');
export const RegistryKey = object('RegistryKey', { Hive: RegistryHive, Name: str, Volatile: bool });
export type RegistryKeyDoc = Infer<typeof RegistryKey>;
export const RegistryValue = object('RegistryValue', {
  Key: RegistryKey,
  Name: str,
  Type: RegistryValueType,
  StringValue: str,
  BinaryValue: str,
  DWordValue: int32,
  QWordValue: int32,
  CustomType: int32,
});
export type RegistryValueDoc = Infer<typeof RegistryValue>;
export const RegistryChanges = object('RegistryChanges', {
  AddValues: array(RegistryValue),
  DeleteKeys: array(RegistryKey),
});
export type RegistryChangesDoc = Infer<typeof RegistryChanges>;

export const DeviceType = literal('ClassGuid', 'DeviceInstance', 'GpuMirror');
export const Device = object('Device', { Type: DeviceType, InterfaceClassGuid: str, LocationPath: str });
export type DeviceDoc = Infer<typeof Device>;

export const Container = object('Container', {
  GuestOs: GuestOs,
  Storage: Storage,
  MappedDirectories: array(MappedDirectory),
  MappedPipes: array(MappedPipe),
  Memory: Memory,
  Processor: Processor,
  Networking: Networking,
  HvSocket: HvSocket,
  ContainerCredentialGuard: ContainerCredentialGuardState,
  RegistryChanges: RegistryChanges,
  AssignedDevices: array(Device),
  /** ContainerDefinitionDevice (2.3); kept opaque. */
  AdditionalDeviceNamespace: any,
  /** hcsshim-only: "HostProcess" for HostProcess containers inside a utility VM. */
  IsolationType: literal('HostProcess'),
});
export type ContainerDoc = Infer<typeof Container>;
