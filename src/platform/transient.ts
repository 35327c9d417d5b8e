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

/**
 * The connection to the service broke under a call in flight. Not HCS_E_CONNECT_FAILED: that is HCS failing to reach
 * a container's or VM's guest (Microsoft's HCS error table: "a connection could not be established with the container
 * or virtual machine"), an answer from a running service. Neither backend raises it for the service being away: the
 * Windows FFI path passes computecore's HRESULTs on unchanged (with vmcompute not running, computecore answers
 * HCS_E_SERVICE_NOT_AVAILABLE, see serviceAway; WSL reports that code until `net start vmcompute`), and the emulator
 * client raises only SERVICE_NOT_AVAILABLE, SERVICE_DISCONNECT and CONNECTION_CLOSED for its connection.
 */
export function connectionLost(e: unknown): boolean {
  return isPlatformError(e, 'HCS_E_SERVICE_DISCONNECT');
}

/** Any failure that can pass: the service away or restarting, the connection lost, or the call timed out. */
export function canPass(e: unknown): boolean {
  return serviceAway(e) || connectionLost(e) || isIndeterminate(e);
}
