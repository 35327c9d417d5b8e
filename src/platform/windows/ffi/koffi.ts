/**
 * koffi types shared by the bindings, and the library loader.
 *
 * Conventions (Microsoft's ComputeCore.h / ComputeNetwork.h / ComputeStorage.h reference):
 *  - every function is WINAPI (__stdcall; on x64 the one Microsoft x64 convention) and returns HRESULT (int32);
 *  - input strings are PCWSTR ('const char16_t *': koffi encodes the JS string as NUL-terminated UTF-16);
 *  - output strings are PWSTR* out-parameters, received as a raw pointer ('void *' out) so that we decode and
 *    free them ourselves exactly once (./strings.ts);
 *  - handles (HCS_OPERATION, HCS_SYSTEM, HCS_PROCESS, HCN_*, HANDLE) are opaque pointers; koffi hands them out as
 *    bigint addresses (null for NULL);
 *  - the `void* context` of HCS callbacks is declared uintptr_t (same size and ABI as a pointer): we pass numeric
 *    ids, never live pointers (as hcsshim does).
 */
import koffi from 'koffi';
import type { LibraryHandle, TypeObject } from 'koffi';
import { loadPinned, type Library } from './pin.js';

export type Pointer = bigint | null;
export type KFunc = ReturnType<LibraryHandle['func']>;
export type TypeSpec = Parameters<typeof koffi.out>[0];

/** DLL names; every entry may be overridden (the tests point all of them at one C library with the same exports). */
export interface WindowsLibraries {
  computecore: string;
  computenetwork: string;
  computestorage: string;
  /** Legacy layer API (GetLayerMountPath). */
  vmcompute: string;
  kernel32: string;
  advapi32: string;
  /** CoTaskMemFree (computenetwork out-strings). */
  ole32: string;
  /** _open_osfhandle: a Win32 HANDLE becomes a C runtime file descriptor that libuv can open as a pipe. */
  ucrt: string;
  /** The bind filter (HostProcess mount points); present from Windows Server 2022. */
  bindfltapi: string;
  /** Local users and groups (HostProcess temporary users). */
  netapi32: string;
  /** A user's default environment block (HostProcess processes). */
  userenv: string;
}

export const DEFAULT_LIBRARIES: WindowsLibraries = {
  computecore: 'computecore.dll',
  computenetwork: 'computenetwork.dll',
  computestorage: 'computestorage.dll',
  vmcompute: 'vmcompute.dll',
  kernel32: 'kernel32.dll',
  advapi32: 'advapi32.dll',
  ole32: 'ole32.dll',
  ucrt: 'ucrtbase.dll',
  bindfltapi: 'bindfltapi.dll',
  netapi32: 'netapi32.dll',
  userenv: 'userenv.dll',
};

export type { Library };

/** Libraries a host may lack (bindfltapi.dll before Windows Server 2022): undefined instead of an error. */
const OPTIONAL: ReadonlySet<keyof WindowsLibraries> = new Set(['bindfltapi']);

/** Loads each distinct path once per process, pinned (./pin.ts: never unloaded under HCS's own threads). */
export function loadLibraries(paths: WindowsLibraries): { [K in keyof WindowsLibraries]: Library } & { unload(): void } {
  const get = (p: string): Library => loadPinned(p, paths.kernel32);
  const out = {} as { [K in keyof WindowsLibraries]: Library };
  for (const k of Object.keys(paths) as (keyof WindowsLibraries)[]) {
    try { out[k] = get(paths[k]); } catch (e) { if (!OPTIONAL.has(k)) throw e; }
  }
  return Object.assign(out, {
    unload() { /* pinned: HCS threads may still run inside these libraries; they stay loaded until the process ends */ },
  });
}

/** Declares a WINAPI function. */
export function winapi(lib: Library, name: string, result: TypeSpec, args: TypeSpec[]): KFunc {
  return lib.func('__stdcall', name, result, args);
}

export const PCWSTR = 'const char16_t *';
/** PWSTR* out-parameter: pass `[null]`, read element 0 (a raw pointer to free). */
export const PWSTR_OUT = koffi.out(koffi.pointer('void *'));
/** HANDLE* / HCS_SYSTEM* / HCN_NETWORK* out-parameter. */
export const HANDLE_OUT = koffi.out(koffi.pointer('void *'));

/** GUID (REFGUID parameters are pointers to it). */
export const GUID = koffi.struct({
  Data1: 'uint32', Data2: 'uint16', Data3: 'uint16', Data4: koffi.array('uint8', 8, 'Array'),
});
export const REFGUID = koffi.pointer(GUID);

/** HCS_PROCESS_INFORMATION (x64: 32 bytes: ProcessId @0, Reserved @4, StdInput @8, StdOutput @16, StdError @24). */
export const HCS_PROCESS_INFORMATION = koffi.struct({
  ProcessId: 'uint32', Reserved: 'uint32', StdInput: 'void *', StdOutput: 'void *', StdError: 'void *',
});
export interface ProcessInformation { ProcessId: number; Reserved: number; StdInput: Pointer; StdOutput: Pointer; StdError: Pointer }

/** HCS_EVENT (x64: 24 bytes: Type @0, EventData @8, Operation @16). */
export const HCS_EVENT = koffi.struct({ Type: 'int32', EventData: 'const char16_t *', Operation: 'void *' });
export interface HcsEvent { Type: number; EventData: string | null; Operation: Pointer }

/** void CALLBACK HCS_OPERATION_COMPLETION(HCS_OPERATION operation, void* context). */
export const HCS_OPERATION_COMPLETION = koffi.proto('__stdcall', null, 'void', ['void *', 'uintptr_t']);
/** void CALLBACK HCS_EVENT_CALLBACK(HCS_EVENT* event, void* context). */
export const HCS_EVENT_CALLBACK = koffi.proto('__stdcall', null, 'void', ['void *', 'uintptr_t']);

/** vmcompute DriverInfo { int Flavour; PCWSTR HomeDir; } (x64: 16 bytes). */
export const DRIVER_INFO = koffi.struct({ Flavour: 'int32', HomeDir: 'const char16_t *' });

export function register(fn: (...a: never[]) => void, proto: TypeObject): bigint {
  return koffi.register(fn as (...a: unknown[]) => void, koffi.pointer(proto));
}
export function unregister(cb: bigint): void { koffi.unregister(cb); }
export function decodeEvent(ptr: unknown): HcsEvent { return koffi.decode(ptr, HCS_EVENT) as HcsEvent; }
export function decodeUtf16(ptr: unknown): string { return koffi.decode(ptr, 'char16_t', -1) as string; }

/** Runs a koffi function on koffi's worker thread (the event loop keeps running); resolves with its return value. */
export function callAsync<T = number>(f: KFunc, ...args: unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    f.async(...args, (err: unknown, res: T) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res)));
  });
}

export const isNull = (p: unknown): boolean => p === null || p === undefined || p === 0n || p === 0;
