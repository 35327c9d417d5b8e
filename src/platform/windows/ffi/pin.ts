/**
 * Libraries loaded for the life of the process.
 *
 * koffi unloads a library (FreeLibrary / dlclose) once its library object and every function declared from it
 * have been garbage-collected, and again when Node-API finalizers run at exit. HCS and HCN run their own threads
 * inside computecore / computenetwork (operation completions, system and process events, the tail of a callback
 * after it returned to them): unloading the DLL under such a thread crashes the process. So each library is loaded
 * once per process and pinned with GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_PIN): it then stays mapped until
 * the process ends, whatever FreeLibrary calls follow.
 */
import koffi from 'koffi';

export type Library = ReturnType<typeof koffi.load>;

/** GET_MODULE_HANDLE_EX_FLAG_PIN. */
export const GET_MODULE_HANDLE_EX_FLAG_PIN = 0x1;

const loaded = new Map<string, Library>();

/** BOOL GetModuleHandleExW(DWORD dwFlags, LPCWSTR lpModuleName, HMODULE *phModule) — kernel32. */
function pinFunction(kernel32: Library) {
  return kernel32.func('__stdcall', 'GetModuleHandleExW', 'int32', ['uint32', 'const char16_t *', koffi.out(koffi.pointer('void *'))]);
}

/** Loads `path` once per process and pins it; `kernel32` is the library that provides GetModuleHandleExW. */
export function loadPinned(path: string, kernel32: string): Library {
  const known = loaded.get(path);
  if (known) return known;
  const lib = koffi.load(path);
  const k = path === kernel32 ? lib : loadPinned(kernel32, kernel32);
  const out: unknown[] = [null];
  if (!pinFunction(k)(GET_MODULE_HANDLE_EX_FLAG_PIN, path, out)) {
    throw new Error(`GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_PIN, "${path}") failed: the library could be unloaded under its own threads`);
  }
  loaded.set(path, lib);
  return lib;
}
