/**
 * Ownership of strings the services allocate. Each result / error string is decoded once and freed once, with
 * the function the API documents:
 *  - computecore (HCS) and computestorage out-strings, and security descriptors / SDDL strings from advapi32:
 *    LocalFree (Microsoft's HCS reference says so on every function; hcsshim uses CoTaskMemFree instead — both
 *    end in the process heap today, we follow the documentation);
 *  - computenetwork (HCN) result strings and error records: CoTaskMemFree (documented on every Hcn* function,
 *    and what hcsshim does).
 */
import { decodeUtf16, isNull, type KFunc } from './koffi.js';

export type Freer = (ptr: bigint) => void;

/** Decodes the UTF-16 string at ptr and frees it with `free` (also when decoding throws). Null → undefined. */
export function takeString(ptr: unknown, free: Freer): string | undefined {
  if (isNull(ptr)) return undefined;
  try {
    return decodeUtf16(ptr);
  } finally {
    free(ptr as bigint);
  }
}

export function localFreeOf(localFree: KFunc): Freer { return (p) => { localFree(p); }; }
export function coTaskMemFreeOf(coTaskMemFree: KFunc): Freer { return (p) => { coTaskMemFree(p); }; }

/** Parses a JSON result document; an empty or absent document gives `fallback`. */
export function parseJson<T>(text: string | undefined, operation: string, fallback?: T): T {
  if (text === undefined || text.trim() === '') {
    if (fallback !== undefined) return fallback;
    throw new Error(`${operation}: the service returned no document`);
  }
  return JSON.parse(text) as T;
}
