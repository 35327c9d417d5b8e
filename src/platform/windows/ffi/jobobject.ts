/**
 * Job objects and their completion port (kernel32) and the bind filter (bindfltapi.dll): the calls a HostProcess
 * container's job needs (hcsshim internal/jobobject, internal/winapi). Signatures, struct layouts (x64) and Win32
 * error → PlatformError only; what to call when is ../jobs/. Processes: ./process.ts; accounts: ./accounts.ts.
 *
 * BOOL-returning functions report failures through GetLastError, which is read right after the call on the same
 * thread (the synchronous koffi call runs on the event-loop thread and nothing runs in between).
 */
import koffi from 'koffi';
import { PlatformError } from '../../hresult.js';
import { winapi, PCWSTR, type Library, type KFunc } from './koffi.js';

export interface JobApi {
  CreateJobObjectW: KFunc;          // HANDLE (SECURITY_ATTRIBUTES*, PCWSTR name)                       kernel32
  OpenJobObjectW: KFunc;            // HANDLE (DWORD access, BOOL inherit, PCWSTR name)                 kernel32
  SetInformationJobObject: KFunc;   // BOOL (HANDLE, JOBOBJECTINFOCLASS, void* info, DWORD length)      kernel32
  QueryInformationJobObject: KFunc; // BOOL (HANDLE, JOBOBJECTINFOCLASS, void* info, DWORD length, DWORD* returned)
  AssignProcessToJobObject: KFunc;  // BOOL (HANDLE job, HANDLE process)                                kernel32
  TerminateJobObject: KFunc;        // BOOL (HANDLE job, UINT exitCode)                                 kernel32
  IsProcessInJob: KFunc;            // BOOL (HANDLE process, HANDLE job, BOOL* result)                  kernel32
  CreateIoCompletionPort: KFunc;    // HANDLE (HANDLE file, HANDLE existingPort, ULONG_PTR key, DWORD threads)
  /** Blocks up to `ms`: only ever called through koffi's async path (a worker thread). */
  GetQueuedCompletionStatus: KFunc; // BOOL (HANDLE port, DWORD* bytes, ULONG_PTR* key, OVERLAPPED** ov, DWORD ms)
  GetLastError: KFunc;              // DWORD ()                                                         kernel32
  /** Absent when the host has no bind filter (bindfltapi.dll). */
  BfSetupFilter?: KFunc;            // HRESULT (HANDLE job, ULONG flags, PCWSTR virtualizationRoot, PCWSTR targetRoot, PCWSTR* exceptions, ULONG count)  bindfltapi
}

export function bindJobApi(libs: { kernel32: Library; bindfltapi?: Library }): JobApi {
  const { kernel32: k, bindfltapi: b } = libs;
  return {
    CreateJobObjectW: winapi(k, 'CreateJobObjectW', 'void *', ['void *', PCWSTR]),
    OpenJobObjectW: winapi(k, 'OpenJobObjectW', 'void *', ['uint32', 'int', PCWSTR]),
    SetInformationJobObject: winapi(k, 'SetInformationJobObject', 'int', ['void *', 'int', 'void *', 'uint32']),
    QueryInformationJobObject: winapi(k, 'QueryInformationJobObject', 'int', ['void *', 'int', 'void *', 'uint32', koffi.out(koffi.pointer('uint32'))]),
    AssignProcessToJobObject: winapi(k, 'AssignProcessToJobObject', 'int', ['void *', 'void *']),
    TerminateJobObject: winapi(k, 'TerminateJobObject', 'int', ['void *', 'uint32']),
    IsProcessInJob: winapi(k, 'IsProcessInJob', 'int', ['void *', 'void *', koffi.out(koffi.pointer('int'))]),
    CreateIoCompletionPort: winapi(k, 'CreateIoCompletionPort', 'void *', ['void *', 'void *', 'uintptr_t', 'uint32']),
    // Out-parameters as caller-owned buffers (8 bytes each): valid across the asynchronous call.
    GetQueuedCompletionStatus: winapi(k, 'GetQueuedCompletionStatus', 'int', ['void *', 'void *', 'void *', 'void *', 'uint32']),
    GetLastError: winapi(k, 'GetLastError', 'uint32', []),
    BfSetupFilter: b && winapi(b, 'BfSetupFilter', 'int32', ['void *', 'uint32', PCWSTR, PCWSTR, 'void *', 'uint32']),
  };
}

// JOBOBJECTINFOCLASS values and flags (winnt.h).
export const JobObjectBasicAccountingInformation = 1;
export const JobObjectBasicProcessIdList = 3;
export const JobObjectAssociateCompletionPortInformation = 7;
export const JobObjectExtendedLimitInformation = 9;
export const JobObjectCpuRateControlInformation = 15;
export const JobObjectCreateSilo = 35;
export const JOB_OBJECT_LIMIT_JOB_MEMORY = 0x00000200;
export const JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x00002000;
export const JOB_OBJECT_CPU_RATE_CONTROL_ENABLE = 0x1;
export const JOB_OBJECT_CPU_RATE_CONTROL_WEIGHT_BASED = 0x2;
export const JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP = 0x4;
export const JOB_OBJECT_ALL_ACCESS = 0x1f001f;
/** BINDFLT_FLAG_READ_ONLY_MAPPING / BINDFLT_FLAG_MERGED_BIND_MAPPING / silo-private mapping (hcsshim internal/winapi). */
export const BINDFLT_FLAG_READ_ONLY_MAPPING = 0x00000001;
export const BINDFLT_FLAG_MERGED_BIND_MAPPING = 0x00000002;
export const BINDFLT_FLAG_USE_CURRENT_SILO_MAPPING = 0x00000004;

/** JOBOBJECT_EXTENDED_LIMIT_INFORMATION (x64: 144 bytes): LimitFlags @16, JobMemoryLimit @120. */
export function extendedLimitInformation(limitFlags: number, jobMemoryLimit: number): Buffer {
  const b = Buffer.alloc(144);
  b.writeUInt32LE(limitFlags >>> 0, 16);
  b.writeBigUInt64LE(BigInt(jobMemoryLimit), 120);
  return b;
}

/** JOBOBJECT_CPU_RATE_CONTROL_INFORMATION (8 bytes): ControlFlags @0, CpuRate or Weight @4. */
export function cpuRateControlInformation(flags: number, value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(flags >>> 0, 0);
  b.writeUInt32LE(value >>> 0, 4);
  return b;
}

export interface BasicAccounting {
  totalUserTime100ns: bigint; totalKernelTime100ns: bigint; pageFaults: number;
  totalProcesses: number; activeProcesses: number; terminatedProcesses: number;
}

/** JOBOBJECT_BASIC_ACCOUNTING_INFORMATION (48 bytes). */
export function parseBasicAccounting(b: Buffer): BasicAccounting {
  return {
    totalUserTime100ns: b.readBigInt64LE(0), totalKernelTime100ns: b.readBigInt64LE(8), pageFaults: b.readUInt32LE(32),
    totalProcesses: b.readUInt32LE(36), activeProcesses: b.readUInt32LE(40), terminatedProcesses: b.readUInt32LE(44),
  };
}

/** JOBOBJECT_BASIC_PROCESS_ID_LIST for up to `max` ids (8 + 8·max bytes). */
export function processIdListBuffer(max: number): Buffer { return Buffer.alloc(8 + 8 * max); }
export function parseProcessIdList(b: Buffer): number[] {
  const n = Math.min(b.readUInt32LE(4), (b.length - 8) / 8);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Number(b.readBigUInt64LE(8 + 8 * i)));
  return out;
}

/** JOBOBJECT_ASSOCIATE_COMPLETION_PORT_INFORMATION (x64: 16 bytes): CompletionKey @0, CompletionPort @8. */
export function associateCompletionPort(key: number, port: bigint): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64LE(BigInt(key), 0);
  b.writeBigUInt64LE(port, 8);
  return b;
}
// Job notifications (the message arrives as the "bytes transferred" of the completion packet; the pid as OVERLAPPED*).
export const JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO = 4;
export const JOB_OBJECT_MSG_EXIT_PROCESS = 7;
export const JOB_OBJECT_MSG_ABNORMAL_EXIT_PROCESS = 8;

/** Win32 error code → PlatformError (HRESULT_FROM_WIN32). */
export function win32Error(code: number, operation: string, detail?: string): PlatformError {
  const hr = code === 0 ? 0x80004005 : (code & 0xffff) | 0x80070000;
  return new PlatformError(hr >>> 0, operation, detail);
}
