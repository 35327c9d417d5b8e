/**
 * Attaching a process's stream again while the emulator service is unreachable (killed, restarting): the attempt
 * is repeated every RETRY_EVERY_MS for up to RETRY_MS while its error says the service is away or the connection
 * broke under the request (or is not an HCS error at all) and the stream is still wanted. Used by acked-output.ts,
 * durable-stdin.ts and kept-stdin.ts.
 *
 * A connection broken under the request itself (HCS_E_SERVICE_DISCONNECT) is tried again at most
 * MAX_DISCONNECTS times in all: the request reached a service that then went away, and a request that brings the
 * service down each time would otherwise crash and respawn it every RETRY_EVERY_MS for RETRY_MS. The waits are
 * unref'd: a process shutting down is not held up by a stream it no longer needs.
 */
import { isPlatformError, PlatformError } from '../hresult.js';
import { connectionLost, serviceAway } from '../transient.js';

const RETRY_MS = 60_000;
const RETRY_EVERY_MS = 50;
const MAX_DISCONNECTS = 3;
/** Not an HCS error at all (a socket error), the service away, or the connection lost under the request (transient.ts). */
const retryable = (e: unknown): boolean => !(e instanceof PlatformError) || serviceAway(e) || connectionLost(e);

/**
 * Runs `attempt` until it resolves; `giveUp` gets the error that ends the retries (not retryable, RETRY_MS over,
 * the connection broken under the request MAX_DISCONNECTS times, or `abandoned()`: the stream was destroyed or the
 * client closed on purpose meanwhile — callers include the client's `isClosed`).
 */
export async function reattach(attempt: () => Promise<void>, abandoned: () => boolean, giveUp: (e: unknown) => void): Promise<void> {
  const until = Date.now() + RETRY_MS;
  let disconnects = 0;
  for (;;) {
    try {
      await attempt();
      return;
    } catch (e) {
      if (isPlatformError(e, 'HCS_E_SERVICE_DISCONNECT')) disconnects++;
      if (!retryable(e) || disconnects >= MAX_DISCONNECTS || Date.now() > until || abandoned()) { giveUp(e); return; }
      await new Promise((r) => setTimeout(r, RETRY_EVERY_MS).unref());
    }
  }
}
