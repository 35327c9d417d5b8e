/**
 * Attaching a process's stream again while the emulator service is unreachable (killed, restarting): the attempt
 * is repeated every RETRY_EVERY_MS for up to RETRY_MS while its error says the service is away or the connection
 * broke under the request (or is not an HCS error at all) and the stream is still wanted. Used by acked-output.ts,
 * durable-stdin.ts and kept-stdin.ts.
 *
 * A connection broken under the request itself (HCS_E_SERVICE_DISCONNECT) counts against MAX_DISCONNECTS when
 * the same service instance (its pid: connection-errors.ts servicePid) breaks it again, or when the
 * instance is not known: a service that keeps dropping the request is then given up on. Services dying one after
 * another (killed, an upgrade) each break it once and cost nothing, up to MAX_INSTANCES of them: the stream waits
 * for the one that stays, for up to RETRY_MS. More instances than that breaking it in turn is a request that
 * brings each new service down (the client spawns the next one): given up on too, or it would crash and respawn the
 * service every RETRY_EVERY_MS for RETRY_MS, failing every other client's calls. The waits are unref'd: a process
 * shutting down is not held up by a stream it no longer needs.
 */
import { isPlatformError, PlatformError } from '../hresult.js';
import { connectionLost, serviceAway } from '../transient.js';
import { lostServicePid } from './connection-errors.js';

const RETRY_MS = 60_000;
const RETRY_EVERY_MS = 50;
const MAX_DISCONNECTS = 3;
const MAX_INSTANCES = 5;
/** Not an HCS error at all (a socket error), the service away, or the connection lost under the request (transient.ts). */
const retryable = (e: unknown): boolean => !(e instanceof PlatformError) || serviceAway(e) || connectionLost(e);

/**
 * Runs `attempt` until it resolves; `giveUp` gets the error that ends the retries (not retryable, RETRY_MS over,
 * the connection broken under the request MAX_DISCONNECTS counted times or by MAX_INSTANCES service instances, or
 * `abandoned()`: the stream was destroyed or the client closed on purpose meanwhile — callers include the client's
 * `isClosed`).
 */
export async function reattach(attempt: () => Promise<void>, abandoned: () => boolean, giveUp: (e: unknown) => void): Promise<void> {
  const until = Date.now() + RETRY_MS;
  let disconnects = 0;
  const cutBy = new Set<number>(); // service instances that broke an attempt once
  for (;;) {
    try {
      await attempt();
      return;
    } catch (e) {
      if (isPlatformError(e, 'HCS_E_SERVICE_DISCONNECT')) {
        const pid = lostServicePid(e);
        if (pid === undefined || cutBy.has(pid)) disconnects++;
        else cutBy.add(pid);
      }
      const tooMany = disconnects >= MAX_DISCONNECTS || cutBy.size >= MAX_INSTANCES;
      if (!retryable(e) || tooMany || Date.now() > until || abandoned()) { giveUp(e); return; }
      await new Promise((r) => setTimeout(r, RETRY_EVERY_MS).unref());
    }
  }
}
