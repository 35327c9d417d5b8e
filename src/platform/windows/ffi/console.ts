/**
 * Pseudo consoles (kernel32 ConPTY) for HostProcess processes that ask for a TTY (EmulateConsole), the way hcsshim's
 * jobcontainers give them one: CreatePseudoConsole over two pipes, attached to the new process through a
 * PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE attribute in STARTUPINFOEXW. Signatures, layouts (x64) and constants only.
 */
import koffi from 'koffi';
import { winapi, PCWSTR, HANDLE_OUT, type Library, type KFunc } from './koffi.js';

/** COORD { SHORT X; SHORT Y; } passed by value: X = columns, Y = rows. */
export const COORD = koffi.struct('COORD', { X: 'int16', Y: 'int16' });

export interface ConsoleApi {
  CreatePseudoConsole: KFunc;             // HRESULT (COORD size, HANDLE input, HANDLE output, DWORD flags, HPCON* console)
  ResizePseudoConsole: KFunc;             // HRESULT (HPCON, COORD)
  ClosePseudoConsole: KFunc;              // void (HPCON): the output pipe reaches end-of-file after it
  InitializeProcThreadAttributeList: KFunc; // BOOL (LPPROC_THREAD_ATTRIBUTE_LIST, DWORD count, DWORD flags, SIZE_T* size)
  UpdateProcThreadAttribute: KFunc;       // BOOL (list, DWORD flags, DWORD_PTR attribute, PVOID value, SIZE_T size, PVOID prev, SIZE_T* returned)
  DeleteProcThreadAttributeList: KFunc;   // void (list)
  /** CreateProcessAsUserW taking a STARTUPINFOEXW buffer (./process.ts binds the STARTUPINFOW form). */
  CreateProcessAsUserExW: KFunc;
}

export function bindConsoleApi(libs: { kernel32: Library; advapi32: Library }): ConsoleApi {
  const { kernel32: k, advapi32: a } = libs;
  return {
    CreatePseudoConsole: winapi(k, 'CreatePseudoConsole', 'int32', [COORD, 'void *', 'void *', 'uint32', HANDLE_OUT]),
    ResizePseudoConsole: winapi(k, 'ResizePseudoConsole', 'int32', ['void *', COORD]),
    ClosePseudoConsole: winapi(k, 'ClosePseudoConsole', 'void', ['void *']),
    InitializeProcThreadAttributeList: winapi(k, 'InitializeProcThreadAttributeList', 'int', ['void *', 'uint32', 'uint32', koffi.inout(koffi.pointer('size_t'))]),
    UpdateProcThreadAttribute: winapi(k, 'UpdateProcThreadAttribute', 'int', ['void *', 'uint32', 'uintptr_t', 'void *', 'size_t', 'void *', 'void *']),
    DeleteProcThreadAttributeList: winapi(k, 'DeleteProcThreadAttributeList', 'void', ['void *']),
    CreateProcessAsUserExW: winapi(a, 'CreateProcessAsUserW', 'int', ['void *', PCWSTR, 'char16_t *', 'void *', 'void *', 'int', 'uint32', 'void *', PCWSTR,
      'void *', 'void *']),
  };
}

export const PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE = 0x00020016;
export const EXTENDED_STARTUPINFO_PRESENT = 0x00080000;
export const STARTUPINFOEXW_SIZE = 112;

/** STARTUPINFOEXW (x64: 112 bytes): cb, no std handles, lpAttributeList @104 pointing at `list`. */
export function startupInfoEx(list: Buffer): Buffer {
  const b = Buffer.alloc(STARTUPINFOEXW_SIZE);
  b.writeUInt32LE(STARTUPINFOEXW_SIZE, 0);
  b.writeBigUInt64LE(BigInt(koffi.address(list)), 104);
  return b;
}
/** PROCESS_INFORMATION (24 bytes) read from a buffer: hProcess @0, hThread @8, dwProcessId @16. */
export function processInformationOf(b: Buffer): { hProcess: bigint; hThread: bigint; dwProcessId: number } {
  return { hProcess: b.readBigUInt64LE(0), hThread: b.readBigUInt64LE(8), dwProcessId: b.readUInt32LE(16) };
}
