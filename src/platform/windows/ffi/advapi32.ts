/**
 * Service Control Manager functions (advapi32) that let a process run as a Windows service itself
 * (winsvc.h). Signatures, structs and constants only; the handshake lives in ../service-host.ts.
 */
import koffi from 'koffi';
import { winapi, PCWSTR, type Library, type KFunc } from './koffi.js';

/** VOID WINAPI ServiceMain(DWORD dwNumServicesArgs, LPWSTR *lpServiceArgVectors). */
export const SERVICE_MAIN_FUNCTION = koffi.proto('__stdcall', 'ServiceMainW', 'void', ['uint32', 'void *']);
/** DWORD WINAPI HandlerEx(DWORD dwControl, DWORD dwEventType, LPVOID lpEventData, LPVOID lpContext). */
export const HANDLER_FUNCTION_EX = koffi.proto('__stdcall', 'HandlerEx', 'uint32', ['uint32', 'uint32', 'void *', 'void *']);

/** SERVICE_TABLE_ENTRYW { LPWSTR lpServiceName; LPSERVICE_MAIN_FUNCTIONW lpServiceProc; } — a NULL entry ends the table. */
export const SERVICE_TABLE_ENTRYW = koffi.struct('SERVICE_TABLE_ENTRYW', {
  lpServiceName: PCWSTR, lpServiceProc: koffi.pointer(SERVICE_MAIN_FUNCTION),
});

/** SERVICE_STATUS: seven DWORDs. */
export const SERVICE_STATUS = koffi.struct('SERVICE_STATUS', {
  dwServiceType: 'uint32', dwCurrentState: 'uint32', dwControlsAccepted: 'uint32', dwWin32ExitCode: 'uint32',
  dwServiceSpecificExitCode: 'uint32', dwCheckPoint: 'uint32', dwWaitHint: 'uint32',
});
export interface ServiceStatus {
  dwServiceType: number; dwCurrentState: number; dwControlsAccepted: number; dwWin32ExitCode: number;
  dwServiceSpecificExitCode: number; dwCheckPoint: number; dwWaitHint: number;
}

export interface AdvApi32Service {
  StartServiceCtrlDispatcherW: KFunc;   // BOOL (const SERVICE_TABLE_ENTRYW *table) — blocks until every service of the process stopped
  RegisterServiceCtrlHandlerExW: KFunc; // SERVICE_STATUS_HANDLE (LPCWSTR name, LPHANDLER_FUNCTION_EX proc, LPVOID context)
  SetServiceStatus: KFunc;              // BOOL (SERVICE_STATUS_HANDLE, LPSERVICE_STATUS)
}

export function bindAdvApi32Service(a: Library): AdvApi32Service {
  return {
    StartServiceCtrlDispatcherW: winapi(a, 'StartServiceCtrlDispatcherW', 'int', [koffi.pointer(SERVICE_TABLE_ENTRYW)]),
    RegisterServiceCtrlHandlerExW: winapi(a, 'RegisterServiceCtrlHandlerExW', 'void *', [PCWSTR, koffi.pointer(HANDLER_FUNCTION_EX), 'void *']),
    SetServiceStatus: winapi(a, 'SetServiceStatus', 'int', ['void *', koffi.pointer(SERVICE_STATUS)]),
  };
}

export const SERVICE_WIN32_OWN_PROCESS = 0x10;
export const SERVICE_STOPPED = 1;
export const SERVICE_START_PENDING = 2;
export const SERVICE_STOP_PENDING = 3;
export const SERVICE_RUNNING = 4;
export const SERVICE_ACCEPT_STOP = 0x1;
export const SERVICE_ACCEPT_SHUTDOWN = 0x4;
export const SERVICE_CONTROL_STOP = 1;
export const SERVICE_CONTROL_INTERROGATE = 4;
export const SERVICE_CONTROL_SHUTDOWN = 5;
export const NO_ERROR = 0;
export const ERROR_CALL_NOT_IMPLEMENTED = 120;
/** dwWin32ExitCode when the service stops because of a failure (ERROR_SERVICE_SPECIFIC_ERROR). */
export const ERROR_SERVICE_SPECIFIC_ERROR = 1066;

/** Loads the SCM functions from `path` (advapi32.dll; the tests pass a C library with the same exports). */
export function loadAdvApi32Service(path = 'advapi32.dll'): AdvApi32Service {
  return bindAdvApi32Service(koffi.load(path));
}
