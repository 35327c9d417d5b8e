/**
 * Platform failures that can pass: trying again later may succeed, where any other failure (an unknown error, a
 * malformed request, a missing object) fails the same way again. One list for every retry loop over platform calls:
 * the emulator's stream reattachment (emulator/reattach.ts) and the IO keeper's takeover (container-io/keeper-recover.ts).
 */
import { isIndeterminate, isPlatformError } from './hresult.js';

/**
 * The service is not there to answer: not running, the connection to it closed, or access refused while it comes back.
 * A client closed on purpose also fails with HCS_E_CONNECTION_CLOSED: loops over an emulator client also check its
 * `isClosed` (emulator/reattach.ts callers).
 */
export function serviceAway(e: unknown): boolean {
  return isPlatformError(e, 'HCS_E_SERVICE_NOT_AVAILABLE', 'HCS_E_CONNECTION_CLOSED', 'E_ACCESSDENIED');
}

/** The connection to the service broke under a call in flight, or could not be made. */
export function connectionLost(e: unknown): boolean {
  return isPlatformError(e, 'HCS_E_SERVICE_DISCONNECT', 'HCS_E_CONNECT_FAILED');
}

/** Any failure that can pass: the service away or restarting, the connection lost, or the call timed out. */
export function canPass(e: unknown): boolean {
  return serviceAway(e) || connectionLost(e) || isIndeterminate(e);
}
