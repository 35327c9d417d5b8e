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
 * A SERVICE_DISCONNECT names the service instance that went away (`servicePid`: the pid its `hello` answered on
 * that connection, or for an attachment the one its handshake greeted with: attach-handshake.ts) when the client
 * knows it, so a retry loop tells one service dropping a call again from services dying one after another
 * (reattach.ts).
 */
import { PlatformError, HRESULT } from '../hresult.js';

export function serviceNotAvailable(operation: string, why: string): PlatformError {
  return new PlatformError(HRESULT.HCS_E_SERVICE_NOT_AVAILABLE, operation, why);
}

export function serviceLost(operation: string, servicePid?: number): PlatformError {
  const e = new PlatformError(HRESULT.HCS_E_SERVICE_DISCONNECT, operation, 'the emulator service went away during the call (its connection closed before the answer)');
  return servicePid === undefined ? e : Object.assign(e, { servicePid });
}

/** The pid of the service instance a SERVICE_DISCONNECT came from, when known (serviceLost). */
export function lostServicePid(e: unknown): number | undefined {
  const pid = e instanceof PlatformError ? (e as PlatformError & { servicePid?: unknown }).servicePid : undefined;
  return typeof pid === 'number' ? pid : undefined;
}

export function clientClosed(operation: string): PlatformError {
  return new PlatformError(HRESULT.HCS_E_CONNECTION_CLOSED, operation, 'the platform connection is closed (its owner, the daemon or the IO keeper, is shutting down)');
}
