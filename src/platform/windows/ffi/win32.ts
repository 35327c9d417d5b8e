/**
 * The few kernel32 / advapi32 / ole32 / ucrtbase functions the backend needs: freeing service strings,
 * turning stdio HANDLEs into C runtime file descriptors, and the named pipe's security descriptor.
 */
import koffi from 'koffi';
import { winapi, PCWSTR, PWSTR_OUT, HANDLE_OUT, type Library, type KFunc } from './koffi.js';

export interface Win32 {
  LocalFree: KFunc;          // HLOCAL LocalFree(HLOCAL)                                       kernel32
  CloseHandle: KFunc;        // BOOL CloseHandle(HANDLE)                                        kernel32
  CreateFileW: KFunc;        // HANDLE CreateFileW(PCWSTR, DWORD access, DWORD share, SECURITY_ATTRIBUTES*, DWORD disposition, DWORD flags, HANDLE template)
  CoTaskMemFree: KFunc;      // void CoTaskMemFree(LPVOID)                                      ole32
  ConvertStringSecurityDescriptorToSecurityDescriptorW: KFunc; // BOOL (PCWSTR sddl, DWORD revision, PSECURITY_DESCRIPTOR*, PULONG size)  advapi32
  ConvertSecurityDescriptorToStringSecurityDescriptorW: KFunc; // BOOL (PSECURITY_DESCRIPTOR, DWORD revision, SECURITY_INFORMATION, PWSTR*, PULONG)  advapi32
  SetKernelObjectSecurity: KFunc;  // BOOL (HANDLE, SECURITY_INFORMATION, PSECURITY_DESCRIPTOR)     advapi32
  GetKernelObjectSecurity: KFunc;  // BOOL (HANDLE, SECURITY_INFORMATION, PSECURITY_DESCRIPTOR buffer, DWORD length, LPDWORD needed)  advapi32
  _open_osfhandle: KFunc;    // int _open_osfhandle(intptr_t osfhandle, int flags)              ucrtbase
}

export function bindWin32(libs: { kernel32: Library; advapi32: Library; ole32: Library; ucrt: Library }): Win32 {
  const { kernel32: k, advapi32: a, ole32: o, ucrt: c } = libs;
  return {
    LocalFree: winapi(k, 'LocalFree', 'void *', ['void *']),
    CloseHandle: winapi(k, 'CloseHandle', 'int', ['void *']),
    CreateFileW: winapi(k, 'CreateFileW', 'void *', [PCWSTR, 'uint32', 'uint32', 'void *', 'uint32', 'uint32', 'void *']),
    CoTaskMemFree: winapi(o, 'CoTaskMemFree', 'void', ['void *']),
    ConvertStringSecurityDescriptorToSecurityDescriptorW: winapi(a, 'ConvertStringSecurityDescriptorToSecurityDescriptorW', 'int',
      [PCWSTR, 'uint32', HANDLE_OUT, 'void *']),
    ConvertSecurityDescriptorToStringSecurityDescriptorW: winapi(a, 'ConvertSecurityDescriptorToStringSecurityDescriptorW', 'int',
      ['void *', 'uint32', 'uint32', PWSTR_OUT, 'void *']),
    SetKernelObjectSecurity: winapi(a, 'SetKernelObjectSecurity', 'int', ['void *', 'uint32', 'void *']),
    GetKernelObjectSecurity: winapi(a, 'GetKernelObjectSecurity', 'int', ['void *', 'uint32', 'void *', 'uint32', koffi.out(koffi.pointer('uint32'))]),
    // cdecl (the C runtime); identical to WINAPI on x64.
    _open_osfhandle: c.func('_open_osfhandle', 'int', ['intptr_t', 'int']),
  };
}

export const GENERIC_READ = 0x80000000;
export const READ_CONTROL = 0x00020000;
export const WRITE_DAC = 0x00040000;
export const OPEN_EXISTING = 3;
export const DACL_SECURITY_INFORMATION = 0x00000004;
export const PROTECTED_DACL_SECURITY_INFORMATION = 0x80000000;
export const SDDL_REVISION_1 = 1;
export const INVALID_HANDLE_VALUE = 0xffffffffffffffffn;
export const _O_BINARY = 0x8000;
export const _O_RDONLY = 0x0000;
