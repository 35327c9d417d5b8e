/**
 * Host accounts for HostProcess containers (advapi32 / netapi32): logging a user on, and the temporary local user
 * hcsshim's jobcontainers create for a local group (NetUserAdd level 1, NetLocalGroupAddMembers, NetUserDel).
 * Signatures, struct layouts (x64) and NET_API_STATUS → PlatformError; the policy is ../jobs/users.ts.
 */
import koffi from 'koffi';
import { PlatformError } from '../../hresult.js';
import { winapi, PCWSTR, HANDLE_OUT, type Library, type KFunc } from './koffi.js';

export interface AccountApi {
  LogonUserW: KFunc;              // BOOL (PCWSTR user, PCWSTR domain, PCWSTR password, DWORD type, DWORD provider, HANDLE* token)  advapi32
  NetUserAdd: KFunc;              // NET_API_STATUS (PCWSTR server, DWORD level = 1, USER_INFO_1*, DWORD* parmErr)     netapi32
  NetUserDel: KFunc;              // NET_API_STATUS (PCWSTR server, PCWSTR user)                                      netapi32
  NetLocalGroupAddMembers: KFunc; // NET_API_STATUS (PCWSTR server, PCWSTR group, DWORD level = 3, LOCALGROUP_MEMBERS_INFO_3*, DWORD count)
  NetLocalGroupGetInfo: KFunc;    // NET_API_STATUS (PCWSTR server, PCWSTR group, DWORD level, BYTE** buffer)          netapi32
  NetApiBufferFree: KFunc;        // NET_API_STATUS (void*)                                                          netapi32
}

/** USER_INFO_1 (x64: 56 bytes). */
export const USER_INFO_1 = koffi.struct('USER_INFO_1', {
  usri1_name: PCWSTR, usri1_password: PCWSTR, usri1_password_age: 'uint32', usri1_priv: 'uint32',
  usri1_home_dir: PCWSTR, usri1_comment: PCWSTR, usri1_flags: 'uint32', usri1_script_path: PCWSTR,
});
/** LOCALGROUP_MEMBERS_INFO_3 (x64: 8 bytes): `DOMAIN\name` (or a bare local name). */
export const LOCALGROUP_MEMBERS_INFO_3 = koffi.struct('LOCALGROUP_MEMBERS_INFO_3', { lgrmi3_domainandname: PCWSTR });

export function bindAccountApi(libs: { advapi32: Library; netapi32: Library }): AccountApi {
  const { advapi32: a, netapi32: n } = libs;
  return {
    LogonUserW: winapi(a, 'LogonUserW', 'int', [PCWSTR, PCWSTR, PCWSTR, 'uint32', 'uint32', HANDLE_OUT]),
    NetUserAdd: winapi(n, 'NetUserAdd', 'uint32', [PCWSTR, 'uint32', koffi.pointer(USER_INFO_1), koffi.out(koffi.pointer('uint32'))]),
    NetUserDel: winapi(n, 'NetUserDel', 'uint32', [PCWSTR, PCWSTR]),
    NetLocalGroupAddMembers: winapi(n, 'NetLocalGroupAddMembers', 'uint32', [PCWSTR, PCWSTR, 'uint32', koffi.pointer(LOCALGROUP_MEMBERS_INFO_3), 'uint32']),
    NetLocalGroupGetInfo: winapi(n, 'NetLocalGroupGetInfo', 'uint32', [PCWSTR, PCWSTR, 'uint32', HANDLE_OUT]),
    NetApiBufferFree: winapi(n, 'NetApiBufferFree', 'uint32', ['void *']),
  };
}

export const LOGON32_LOGON_INTERACTIVE = 2;
export const LOGON32_LOGON_SERVICE = 5;
export const LOGON32_PROVIDER_DEFAULT = 0;
export const USER_PRIV_USER = 1;
/** UF_SCRIPT (required by NetUserAdd) | UF_NORMAL_ACCOUNT | UF_DONT_EXPIRE_PASSWD. */
export const TEMPORARY_USER_FLAGS = 0x0001 | 0x0200 | 0x10000;
export const NERR_Success = 0;
export const NERR_GroupNotFound = 2220;
export const NERR_UserNotFound = 2221;
export const NERR_UserExists = 2224;

/** NET_API_STATUS → PlatformError: Win32 codes as HRESULT_FROM_WIN32, NERR_* (2100..2999) likewise. */
export function netError(status: number, operation: string, detail?: string): PlatformError {
  return new PlatformError(((status & 0xffff) | 0x80070000) >>> 0, operation, detail ? `${detail} (NET_API_STATUS ${status})` : `NET_API_STATUS ${status}`);
}
