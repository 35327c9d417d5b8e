/**
 * advapi32 event logging (winbase.h): RegisterEventSourceW, ReportEventW, DeregisterEventSource. Signatures and
 * marshaling only; what is reported is decided in src/util/event-log-sink.ts.
 */
import koffi from 'koffi';
import { winapi, PCWSTR, type KFunc, type Library } from './koffi.js';

/** ReportEventW wType. */
export const EVENTLOG_ERROR_TYPE = 0x0001;
export const EVENTLOG_WARNING_TYPE = 0x0002;
export const EVENTLOG_INFORMATION_TYPE = 0x0004;

export interface EventLogApi {
  RegisterEventSourceW: KFunc;   // HANDLE (LPCWSTR lpUNCServerName, LPCWSTR lpSourceName); NULL on failure
  ReportEventW: KFunc;           // BOOL (HANDLE, WORD wType, WORD wCategory, DWORD dwEventID, PSID, WORD wNumStrings,
                                 //       DWORD dwDataSize, LPCWSTR *lpStrings, LPVOID lpRawData)
  DeregisterEventSource: KFunc;  // BOOL (HANDLE)
}

/** lpStrings: a JS array of strings becomes an array of UTF-16 string pointers for the call. */
const STRINGS_IN = koffi.pointer(PCWSTR);

export function bindEventLogApi(advapi32: Library): EventLogApi {
  return {
    RegisterEventSourceW: winapi(advapi32, 'RegisterEventSourceW', 'void *', [PCWSTR, PCWSTR]),
    ReportEventW: winapi(advapi32, 'ReportEventW', 'int32', ['void *', 'uint16', 'uint16', 'uint32', 'void *', 'uint16', 'uint32', STRINGS_IN, 'void *']),
    DeregisterEventSource: winapi(advapi32, 'DeregisterEventSource', 'int32', ['void *']),
  };
}
