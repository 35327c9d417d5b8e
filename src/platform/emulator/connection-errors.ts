/**
 * The emulator client's failures of its connection to the service, one HRESULT per case whatever the call (a
 * request, or the handshake of a stdio attachment), all gRPC UNAVAILABLE (cri/errors.ts) with the advice of
 * platform/hresult-advice.ts:
 * - nothing answers when the call starts (no socket, connection refused, the service never came up):
 *   HCS_E_SERVICE_NOT_AVAILABLE, as computecore answers with vmcompute stopped;
 * - the service goes away while the call is in flight (killed, crashed, restarted: the connection closes before
 *   the answer): HCS_E_SERVICE_DISCONNECT, as a vmcompute restart under a call; whether the call took effect is
 *   unknown, so callers retry only what is safe to repeat (platform/transient.ts connectionLost);
 * - the client was closed on purpose (its owner shutting down): HCS_E_CONNECTION_CLOSED.
 */
import { PlatformError, HRESULT } from '../hresult.js';

export function serviceNotAvailable(operation: string, why: string): PlatformError {
  return new PlatformError(HRESULT.HCS_E_SERVICE_NOT_AVAILABLE, operation, why);
}

export function serviceLost(operation: string): PlatformError {
  return new PlatformError(HRESULT.HCS_E_SERVICE_DISCONNECT, operation, 'the emulator service went away during the call (its connection closed before the answer)');
}

export function clientClosed(operation: string): PlatformError {
  return new PlatformError(HRESULT.HCS_E_CONNECTION_CLOSED, operation, 'the platform connection is closed (its owner, the daemon or the IO keeper, is shutting down)');
}
