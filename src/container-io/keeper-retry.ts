/** Which failures of a recovered container's takeover are worth another try, and how far its pauses grow. */
import { isIndeterminate, isPlatformError } from '../platform/hresult.js';

/** The longest pause between two takeover attempts. */
export const RETRY_CAP_MS = 15_000;

/** How long a takeover is retried in all before the container's exit is reported as lost (3 minutes). */
export const RECOVERY_GIVE_UP_MS = 180_000;

/**
 * The failure can pass: the compute service is away or restarting (access is refused while it comes back), or the
 * call timed out. Anything else (an unknown error, a malformed request) will fail the same way again.
 */
export function canPass(e: unknown): boolean {
  return isIndeterminate(e) || isPlatformError(e, 'HCS_E_SERVICE_DISCONNECT', 'HCS_E_CONNECTION_CLOSED', 'HCS_E_CONNECT_FAILED', 'E_ACCESSDENIED');
}
