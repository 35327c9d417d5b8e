/**
 * computecore.dll (Host Compute Service) declarations, checked against Microsoft's HCS reference
 * (virtualization/api/hcs/Reference/*.md) and hcsshim internal/computecore/computecore.go.
 * Out-strings from these functions are freed with LocalFree (./strings.ts).
 */
import {
  winapi, PCWSTR, PWSTR_OUT, HANDLE_OUT, HCS_PROCESS_INFORMATION, HCS_OPERATION_COMPLETION, HCS_EVENT_CALLBACK,
  type Library, type KFunc, type TypeSpec,
} from './koffi.js';
import koffi from 'koffi';

const OP = 'void *';       // HCS_OPERATION
const SYS = 'void *';      // HCS_SYSTEM
const PROC = 'void *';     // HCS_PROCESS
const HRESULT = 'int32';
const PI_OUT = koffi.out(koffi.pointer(HCS_PROCESS_INFORMATION));

export interface ComputeCore {
  // operations
  HcsCreateOperation: KFunc;                      // HCS_OPERATION (void* context, HCS_OPERATION_COMPLETION callback)
  HcsCloseOperation: KFunc;                       // void (HCS_OPERATION)
  HcsSetOperationCallback: KFunc;                 // HRESULT (HCS_OPERATION, const void* context, HCS_OPERATION_COMPLETION)
  HcsGetOperationResult: KFunc;                   // HRESULT (HCS_OPERATION, PWSTR* resultDocument)
  HcsGetOperationResultAndProcessInfo: KFunc;     // HRESULT (HCS_OPERATION, HCS_PROCESS_INFORMATION*, PWSTR*)
  HcsWaitForOperationResult: KFunc;               // HRESULT (HCS_OPERATION, DWORD timeoutMs, PWSTR*)
  HcsWaitForOperationResultAndProcessInfo: KFunc; // HRESULT (HCS_OPERATION, DWORD, HCS_PROCESS_INFORMATION*, PWSTR*)
  HcsCancelOperation: KFunc;                      // HRESULT (HCS_OPERATION)
  HcsGetOperationType: KFunc;                     // HCS_OPERATION_TYPE (HCS_OPERATION)
  // compute systems
  HcsCreateComputeSystem: KFunc;       // (PCWSTR id, PCWSTR configuration, HCS_OPERATION, const SECURITY_DESCRIPTOR*, HCS_SYSTEM*)
  HcsOpenComputeSystem: KFunc;         // (PCWSTR id, DWORD requestedAccess, HCS_SYSTEM*)
  HcsCloseComputeSystem: KFunc;        // void (HCS_SYSTEM)
  HcsStartComputeSystem: KFunc;        // (HCS_SYSTEM, HCS_OPERATION, PCWSTR options)
  HcsShutDownComputeSystem: KFunc;     // (HCS_SYSTEM, HCS_OPERATION, PCWSTR options)
  HcsTerminateComputeSystem: KFunc;    // (HCS_SYSTEM, HCS_OPERATION, PCWSTR options)
  HcsPauseComputeSystem: KFunc;        // (HCS_SYSTEM, HCS_OPERATION, PCWSTR options)
  HcsResumeComputeSystem: KFunc;       // (HCS_SYSTEM, HCS_OPERATION, PCWSTR options)
  HcsGetComputeSystemProperties: KFunc; // (HCS_SYSTEM, HCS_OPERATION, PCWSTR propertyQuery)
  HcsModifyComputeSystem: KFunc;       // (HCS_SYSTEM, HCS_OPERATION, PCWSTR configuration, HANDLE identity)
  HcsEnumerateComputeSystems: KFunc;   // (PCWSTR query, HCS_OPERATION)
  HcsSetComputeSystemCallback: KFunc;  // (HCS_SYSTEM, HCS_EVENT_OPTIONS, const void* context, HCS_EVENT_CALLBACK)
  HcsGetServiceProperties: KFunc;      // (PCWSTR propertyQuery, PWSTR* result) — synchronous
  HcsModifyServiceSettings: KFunc;     // (PCWSTR settings, PWSTR* result) — synchronous; result = error document
  HcsGrantVmAccess: KFunc;             // (PCWSTR vmId, PCWSTR filePath) — synchronous
  // processes
  HcsCreateProcess: KFunc;             // (HCS_SYSTEM, PCWSTR processParameters, HCS_OPERATION, const SECURITY_DESCRIPTOR*, HCS_PROCESS*)
  HcsOpenProcess: KFunc;               // (HCS_SYSTEM, DWORD processId, DWORD requestedAccess, HCS_PROCESS*)
  HcsCloseProcess: KFunc;              // void (HCS_PROCESS)
  HcsTerminateProcess: KFunc;          // (HCS_PROCESS, HCS_OPERATION, PCWSTR options)
  HcsSignalProcess: KFunc;             // (HCS_PROCESS, HCS_OPERATION, PCWSTR options)
  HcsGetProcessInfo: KFunc;            // (HCS_PROCESS, HCS_OPERATION)
  HcsGetProcessProperties: KFunc;      // (HCS_PROCESS, HCS_OPERATION, PCWSTR propertyQuery)
  HcsModifyProcess: KFunc;             // (HCS_PROCESS, HCS_OPERATION, PCWSTR settings)
  HcsSetProcessCallback: KFunc;        // (HCS_PROCESS, HCS_EVENT_OPTIONS, void* context, HCS_EVENT_CALLBACK)
}

export function bindComputeCore(lib: Library): ComputeCore {
  const OPCB = koffi.pointer(HCS_OPERATION_COMPLETION);
  const EVCB = koffi.pointer(HCS_EVENT_CALLBACK);
  const f = (name: string, result: TypeSpec, args: TypeSpec[]) => winapi(lib, name, result, args);
  return {
    HcsCreateOperation: f('HcsCreateOperation', OP, ['uintptr_t', OPCB]),
    HcsCloseOperation: f('HcsCloseOperation', 'void', [OP]),
    HcsSetOperationCallback: f('HcsSetOperationCallback', HRESULT, [OP, 'uintptr_t', OPCB]),
    HcsGetOperationResult: f('HcsGetOperationResult', HRESULT, [OP, PWSTR_OUT]),
    HcsGetOperationResultAndProcessInfo: f('HcsGetOperationResultAndProcessInfo', HRESULT, [OP, PI_OUT, PWSTR_OUT]),
    HcsWaitForOperationResult: f('HcsWaitForOperationResult', HRESULT, [OP, 'uint32', PWSTR_OUT]),
    HcsWaitForOperationResultAndProcessInfo: f('HcsWaitForOperationResultAndProcessInfo', HRESULT, [OP, 'uint32', PI_OUT, PWSTR_OUT]),
    HcsCancelOperation: f('HcsCancelOperation', HRESULT, [OP]),
    HcsGetOperationType: f('HcsGetOperationType', 'int32', [OP]),

    HcsCreateComputeSystem: f('HcsCreateComputeSystem', HRESULT, [PCWSTR, PCWSTR, OP, 'void *', HANDLE_OUT]),
    HcsOpenComputeSystem: f('HcsOpenComputeSystem', HRESULT, [PCWSTR, 'uint32', HANDLE_OUT]),
    HcsCloseComputeSystem: f('HcsCloseComputeSystem', 'void', [SYS]),
    HcsStartComputeSystem: f('HcsStartComputeSystem', HRESULT, [SYS, OP, PCWSTR]),
    HcsShutDownComputeSystem: f('HcsShutDownComputeSystem', HRESULT, [SYS, OP, PCWSTR]),
    HcsTerminateComputeSystem: f('HcsTerminateComputeSystem', HRESULT, [SYS, OP, PCWSTR]),
    HcsPauseComputeSystem: f('HcsPauseComputeSystem', HRESULT, [SYS, OP, PCWSTR]),
    HcsResumeComputeSystem: f('HcsResumeComputeSystem', HRESULT, [SYS, OP, PCWSTR]),
    HcsGetComputeSystemProperties: f('HcsGetComputeSystemProperties', HRESULT, [SYS, OP, PCWSTR]),
    HcsModifyComputeSystem: f('HcsModifyComputeSystem', HRESULT, [SYS, OP, PCWSTR, 'void *']),
    HcsEnumerateComputeSystems: f('HcsEnumerateComputeSystems', HRESULT, [PCWSTR, OP]),
    HcsSetComputeSystemCallback: f('HcsSetComputeSystemCallback', HRESULT, [SYS, 'int32', 'uintptr_t', EVCB]),
    HcsGetServiceProperties: f('HcsGetServiceProperties', HRESULT, [PCWSTR, PWSTR_OUT]),
    HcsModifyServiceSettings: f('HcsModifyServiceSettings', HRESULT, [PCWSTR, PWSTR_OUT]),
    HcsGrantVmAccess: f('HcsGrantVmAccess', HRESULT, [PCWSTR, PCWSTR]),

    HcsCreateProcess: f('HcsCreateProcess', HRESULT, [SYS, PCWSTR, OP, 'void *', HANDLE_OUT]),
    HcsOpenProcess: f('HcsOpenProcess', HRESULT, [SYS, 'uint32', 'uint32', HANDLE_OUT]),
    HcsCloseProcess: f('HcsCloseProcess', 'void', [PROC]),
    HcsTerminateProcess: f('HcsTerminateProcess', HRESULT, [PROC, OP, PCWSTR]),
    HcsSignalProcess: f('HcsSignalProcess', HRESULT, [PROC, OP, PCWSTR]),
    HcsGetProcessInfo: f('HcsGetProcessInfo', HRESULT, [PROC, OP]),
    HcsGetProcessProperties: f('HcsGetProcessProperties', HRESULT, [PROC, OP, PCWSTR]),
    HcsModifyProcess: f('HcsModifyProcess', HRESULT, [PROC, OP, PCWSTR]),
    HcsSetProcessCallback: f('HcsSetProcessCallback', HRESULT, [PROC, 'int32', 'uintptr_t', EVCB]),
  };
}

/** HCS_EVENT_TYPE values the backend handles. */
export const HcsEventType = {
  SystemExited: 0x00000001,
  ProcessExited: 0x00010000,
  OperationCallback: 0x01000000,
  ServiceDisconnect: 0x02000000,
} as const;
export const GENERIC_ALL = 0x10000000;
export const INFINITE = 0xffffffff;
export const HcsEventOptionNone = 0;
