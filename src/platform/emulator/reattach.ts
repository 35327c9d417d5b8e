/**
 * Attaching a process's stream again while the emulator service is unreachable (killed, restarting): the attempt
 * is repeated every RETRY_EVERY_MS for up to RETRY_MS while its error says the service is away or the connection
 * broke under the request (or is not an HCS error at all) and the stream is still wanted. Used by acked-output.ts
 * and durable-stdin.ts.
 */
import { PlatformError } from '../hresult.js';
import { connectionLost, serviceAway } from '../transient.js';

const RETRY_MS = 60_000;
const RETRY_EVERY_MS = 50;
/** Not an HCS error at all (a socket error), the service away, or the connection lost under the request (transient.ts). */
const retryable = (e: unknown): boolean => !(e instanceof PlatformError) || serviceAway(e) || connectionLost(e);

/**
 * Runs `attempt` until it resolves; `giveUp` gets the error that ends the retries (not retryable, RETRY_MS over,
 * or `abandoned()`: the stream was destroyed meanwhile).
 */
export async function reattach(attempt: () => Promise<void>, abandoned: () => boolean, giveUp: (e: unknown) => void): Promise<void> {
  const until = Date.now() + RETRY_MS;
  for (;;) {
    try {
      await attempt();
      return;
    } catch (e) {
      if (!retryable(e) || Date.now() > until || abandoned()) { giveUp(e); return; }
      await new Promise((r) => setTimeout(r, RETRY_EVERY_MS));
    }
  }
}
