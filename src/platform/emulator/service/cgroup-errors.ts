/**
 * The error of a container whose resource limits cannot be set up or joined where cgroups are available by
 * design (cgroups.ts cgroupSupport: root and a writable hierarchy): ERROR_NOT_ENOUGH_QUOTA, which the runtime maps
 * to RESOURCE_EXHAUSTED with advice (cri/errors.ts, hresult-advice.ts). It is never tolerated silently: the
 * container would run without its limits and unaccounted. Where cgroups are not available (non-root, read-only
 * cgroupfs) no cgroup is made at all and the isolation facts report it (isolation.ts).
 */
import { PlatformError, HRESULT } from '../../hresult.js';

export function limitsFailure(op: string, id: string, e: unknown): PlatformError {
  if (e instanceof PlatformError) return e;
  return new PlatformError(HRESULT.ERROR_NOT_ENOUGH_QUOTA, op, `cannot set up the resource limits (cgroup) of ${id}: ${(e as Error).message}`);
}
