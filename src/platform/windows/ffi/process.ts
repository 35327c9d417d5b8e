/**
 * Host processes of a HostProcess container (kernel32 / advapi32 / userenv): pipes, CreateProcessAsUserW, opening,
 * exit codes, termination, and the console-control thread hcsshim's jobcontainers start in a process to deliver
 * CtrlShutdown (kernel32!CtrlRoutine through CreateRemoteThread). Signatures, struct layouts (x64) and constants;
 * what to call when is ../jobs/.
 */
import koffi from 'koffi';
import { winapi, PCWSTR, HANDLE_OUT, type Library, type KFunc } from './koffi.js';

export interface ProcessApi {
  CreatePipe: KFunc;              // BOOL (HANDLE* read, HANDLE* write, SECURITY_ATTRIBUTES*, DWORD size)        kernel32
  SetHandleInformation: KFunc;    // BOOL (HANDLE, DWORD mask, DWORD flags)                                     kernel32
  CreateProcessAsUserW: KFunc;    // BOOL (HANDLE token, PCWSTR app, PWSTR cmdline, SA*, SA*, BOOL inherit, DWORD flags, void* env, PCWSTR cwd, STARTUPINFOW*, PROCESS_INFORMATION*)  advapi32
  ResumeThread: KFunc;            // DWORD (HANDLE thread); (DWORD)-1 on failure                                kernel32
  OpenProcess: KFunc;             // HANDLE (DWORD access, BOOL inherit, DWORD pid)                             kernel32
  GetExitCodeProcess: KFunc;      // BOOL (HANDLE, DWORD* code); STILL_ACTIVE while running                      kernel32
  WaitForSingleObject: KFunc;     // DWORD (HANDLE, DWORD ms): only with 0 ms on the event loop                  kernel32
  TerminateProcess: KFunc;        // BOOL (HANDLE, UINT code)                                                   kernel32
  CreateRemoteThread: KFunc;      // HANDLE (HANDLE process, SA*, SIZE_T stack, LPTHREAD_START_ROUTINE, void* param, DWORD flags, DWORD* tid)
  GetModuleHandleW: KFunc;        // HMODULE (PCWSTR name)                                                      kernel32
  GetProcAddress: KFunc;          // FARPROC (HMODULE, LPCSTR name)                                             kernel32
  OpenProcessToken: KFunc;        // BOOL (HANDLE process, DWORD access, HANDLE* token)                         advapi32
  CreateEnvironmentBlock: KFunc;  // BOOL (void** block, HANDLE token, BOOL inherit)                            userenv
  DestroyEnvironmentBlock: KFunc; // BOOL (void* block)                                                         userenv
}

/** STARTUPINFOW (x64: 104 bytes). */
export const STARTUPINFOW = koffi.struct('STARTUPINFOW', {
  cb: 'uint32', lpReserved: 'void *', lpDesktop: 'void *', lpTitle: 'void *', dwX: 'uint32', dwY: 'uint32',
  dwXSize: 'uint32', dwYSize: 'uint32', dwXCountChars: 'uint32', dwYCountChars: 'uint32', dwFillAttribute: 'uint32',
  dwFlags: 'uint32', wShowWindow: 'uint16', cbReserved2: 'uint16', lpReserved2: 'void *',
  hStdInput: 'void *', hStdOutput: 'void *', hStdError: 'void *',
});
/** PROCESS_INFORMATION (x64: 24 bytes). */
export const PROCESS_INFORMATION = koffi.struct('PROCESS_INFORMATION', {
  hProcess: 'void *', hThread: 'void *', dwProcessId: 'uint32', dwThreadId: 'uint32',
});
export interface ProcessInformationOut { hProcess: bigint | null; hThread: bigint | null; dwProcessId: number; dwThreadId: number }

export function bindProcessApi(libs: { kernel32: Library; advapi32: Library; userenv: Library }): ProcessApi {
  const { kernel32: k, advapi32: a, userenv: u } = libs;
  return {
    CreatePipe: winapi(k, 'CreatePipe', 'int', [HANDLE_OUT, HANDLE_OUT, 'void *', 'uint32']),
    SetHandleInformation: winapi(k, 'SetHandleInformation', 'int', ['void *', 'uint32', 'uint32']),
    CreateProcessAsUserW: winapi(a, 'CreateProcessAsUserW', 'int', ['void *', PCWSTR, 'char16_t *', 'void *', 'void *', 'int', 'uint32', 'void *', PCWSTR,
      koffi.pointer(STARTUPINFOW), koffi.out(koffi.pointer(PROCESS_INFORMATION))]),
    ResumeThread: winapi(k, 'ResumeThread', 'uint32', ['void *']),
    OpenProcess: winapi(k, 'OpenProcess', 'void *', ['uint32', 'int', 'uint32']),
    GetExitCodeProcess: winapi(k, 'GetExitCodeProcess', 'int', ['void *', koffi.out(koffi.pointer('uint32'))]),
    WaitForSingleObject: winapi(k, 'WaitForSingleObject', 'uint32', ['void *', 'uint32']),
    TerminateProcess: winapi(k, 'TerminateProcess', 'int', ['void *', 'uint32']),
    CreateRemoteThread: winapi(k, 'CreateRemoteThread', 'void *', ['void *', 'void *', 'uintptr_t', 'void *', 'uintptr_t', 'uint32', 'void *']),
    GetModuleHandleW: winapi(k, 'GetModuleHandleW', 'void *', [PCWSTR]),
    GetProcAddress: winapi(k, 'GetProcAddress', 'void *', ['void *', 'const char *']),
    OpenProcessToken: winapi(a, 'OpenProcessToken', 'int', ['void *', 'uint32', HANDLE_OUT]),
    CreateEnvironmentBlock: winapi(u, 'CreateEnvironmentBlock', 'int', [HANDLE_OUT, 'void *', 'int']),
    DestroyEnvironmentBlock: winapi(u, 'DestroyEnvironmentBlock', 'int', ['void *']),
  };
}

/** SECURITY_ATTRIBUTES (x64: 24 bytes) with bInheritHandle set: the child ends of the stdio pipes. */
export function inheritableSecurityAttributes(): Buffer {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(24, 0);
  b.writeInt32LE(1, 16);
  return b;
}

/** A UTF-16 environment block (`K=V\0…\0\0`) read from `ptr`. */
export function decodeEnvironmentBlock(ptr: unknown): string[] {
  const out: string[] = [];
  for (let off = 0; ; ) {
    const s = koffi.decode(ptr, off, 'char16_t', -1) as string;
    if (!s) return out;
    out.push(s);
    off += (s.length + 1) * 2;
  }
}
/** `K=V` entries → a UTF-16LE environment block for CREATE_UNICODE_ENVIRONMENT. */
export function encodeEnvironmentBlock(entries: string[]): Buffer {
  return Buffer.from(`${entries.join('\0')}\0\0`, 'utf16le');
}

export const CREATE_SUSPENDED = 0x00000004;
export const CREATE_UNICODE_ENVIRONMENT = 0x00000400;
export const CREATE_BREAKAWAY_FROM_JOB = 0x01000000;
export const CREATE_NO_WINDOW = 0x08000000;
export const STARTF_USESTDHANDLES = 0x00000100;
export const HANDLE_FLAG_INHERIT = 0x1;
export const PROCESS_ALL_ACCESS = 0x001fffff;
export const TOKEN_ASSIGN_PRIMARY = 0x0001;
export const TOKEN_DUPLICATE = 0x0002;
export const TOKEN_QUERY = 0x0008;
export const STILL_ACTIVE = 259;
export const WAIT_OBJECT_0 = 0;
/** Console control events (wincon.h), the parameter of kernel32!CtrlRoutine. */
export const CTRL_EVENTS = { CtrlC: 0, CtrlBreak: 1, CtrlClose: 2, CtrlLogOff: 5, CtrlShutdown: 6 } as const;
