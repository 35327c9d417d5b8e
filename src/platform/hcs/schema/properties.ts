/**
 * HCS schema v2 property documents (hcsshim internal/hcs/schema2 properties.go, statistics.go,
 * processor_stats.go, memory_stats.go, storage_stats.go, process_details.go, property_query.go,
 * property_type.go) and the v2 SystemQuery used by HcsEnumerateComputeSystems.
 */
import { object, array, map, str, bool, uint32, uint64, any, literal, type Infer } from '../../schema.js';
import { State, ExitType, SystemType } from './common.js';

export const ProcessorStats = object('ProcessorStats', {
  TotalRuntime100ns: uint64,
  RuntimeUser100ns: uint64,
  RuntimeKernel100ns: uint64,
});
export type ProcessorStatsDoc = Infer<typeof ProcessorStats>;

export const MemoryStats = object('MemoryStats', {
  MemoryUsageCommitBytes: uint64,
  MemoryUsageCommitPeakBytes: uint64,
  MemoryUsagePrivateWorkingSetBytes: uint64,
});
export type MemoryStatsDoc = Infer<typeof MemoryStats>;

export const StorageStats = object('StorageStats', {
  ReadCountNormalized: uint64,
  ReadSizeBytes: uint64,
  WriteCountNormalized: uint64,
  WriteSizeBytes: uint64,
});
export type StorageStatsDoc = Infer<typeof StorageStats>;

export const Statistics = object('Statistics', {
  /** RFC 3339 date-time (Go time.Time). */
  Timestamp: str,
  ContainerStartTime: str,
  Uptime100ns: uint64,
  Processor: ProcessorStats,
  Memory: MemoryStats,
  Storage: StorageStats,
});
export type StatisticsDoc = Infer<typeof Statistics>;

/** hcsshim declares the numeric fields int32 (DOCS: uint32/uint64); values are non-negative. */
export const ProcessDetails = object('ProcessDetails', {
  ProcessId: uint32,
  ImageName: str,
  CreateTimestamp: str,
  UserTime100ns: uint64,
  KernelTime100ns: uint64,
  MemoryCommitBytes: uint64,
  MemoryWorkingSetPrivateBytes: uint64,
  MemoryWorkingSetSharedBytes: uint64,
});
export type ProcessDetailsDoc = Infer<typeof ProcessDetails>;

/** Properties.Memory (MemoryInformationForVm); VM-only, kept loose below the top level. */
export const MemoryInformationForVm = object('MemoryInformationForVm', {
  VirtualNodeCount: uint32,
  VirtualMachineMemory: any,
  VirtualNodes: array(any),
});

export const Properties = object('Properties', {
  Id: str,
  SystemType: SystemType,
  RuntimeOsType: str,
  Name: str,
  Owner: str,
  RuntimeId: str,
  SystemGUID: str,
  RuntimeTemplateId: str,
  State: State,
  Stopped: bool,
  ExitType: ExitType,
  Memory: MemoryInformationForVm,
  Statistics: Statistics,
  ProcessList: array(ProcessDetails),
  TerminateOnLastHandleClosed: bool,
  HostingSystemId: str,
  SharedMemoryRegionInfo: array(any),
  GuestConnectionInfo: any,
  PropertyResponses: map(object('PropertyResponse', { Response: any })),
  /**
   * wincri emulator extension, never sent by HCS (a Windows job object fails allocations over its limit instead
   * of killing): processes the kernel OOM-killed in the system's memory cgroup, with the Statistics query.
   */
  OomKillCount: uint64,
});
export type PropertiesDoc = Infer<typeof Properties>;

export const PropertyType = literal(
  'Memory', 'GuestMemory', 'Statistics', 'ProcessList', 'TerminateOnLastHandleClosed', 'SharedMemoryRegion',
  'ContainerCredentialGuard', 'GuestConnection', 'ICHeartbeatStatus', 'ProcessorTopology', 'CpuGroup',
  'SystemGUID');
export type PropertyTypeDoc = Infer<typeof PropertyType>;

/** System_PropertyQuery. An empty query returns the basic properties. */
export const PropertyQuery = object('PropertyQuery', {
  PropertyTypes: array(PropertyType),
  Queries: map(any),
});
export type PropertyQueryDoc = Infer<typeof PropertyQuery>;

/** HcsEnumerateComputeSystems query (same keys as schema1 ComputeSystemQuery). */
export const SystemQuery = object('SystemQuery', {
  Ids: array(str),
  Names: array(str),
  Types: array(str),
  Owners: array(str),
});
export type SystemQueryDoc = Infer<typeof SystemQuery>;

