/**
 * A storage failure during a pull (the layer import, its usage walk) stays a platform error: the edge maps it by
 * its HRESULT like any platform call (E_ACCESSDENIED → PermissionDenied, a timeout → DeadlineExceeded, E_FAIL →
 * Internal) and adds the advice for it, with the pull's context in front. Made Unavailable, it lost both.
 */
import { PlatformError } from '../../platform/hresult.js';

export function platformFailureIn(e: PlatformError, what: string): PlatformError {
  const err = new PlatformError(e.hresult, e.operation, undefined, e.errorDocument);
  err.message = `${what}: ${e.message}`;
  return err;
}
