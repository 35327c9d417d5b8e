/**
 * A verb of a computecore handle (compute-system.ts, compute-process.ts): an HCS operation on the handle
 * (HcsRuntime.run) with its optional string argument, answering its result document; refused with E_HANDLE once
 * the handle is closed.
 */
import { HRESULT } from '../hresult.js';
import { hcsError, type Pointer, type KFunc } from './ffi/index.js';
import type { HcsRuntime } from './operations.js';

/** `closed`: why the handle cannot be used any more (it was closed), or undefined while it can. */
export function runVerb(
  rt: HcsRuntime, handle: Pointer, closed: string | undefined, name: string, f: KFunc, arg?: string,
): Promise<string | undefined> {
  if (closed) return Promise.reject(hcsError(HRESULT.E_HANDLE, name, closed));
  return rt.run(name, (op) => (arg === undefined ? f(handle, op) : f(handle, op, arg)) as number).then((r) => r.document);
}
