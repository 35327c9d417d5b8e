/**
 * What a shutdown ask that failed says about the shutdown, for the IO keeper's ask after an init's exit and the
 * daemon's own (runtime/systems.ts), so that both count it alike:
 * - asked: the system is gone or stopped, or a shutdown is under way (isShutdownAsked);
 * - unconfirmed: no answer — the platform call timed out (HCS_E_OPERATION_TIMEOUT, also the per-call deadline's,
 *   daemon/platform-deadline.ts, whose abandoned call still runs), or the connection to the service or guest broke
 *   under it. The ask may well have been delivered: it is not repeated (a HostProcess job's processes would get a
 *   second CtrlShutdown, which many programs take as "quit now"), and the system is waited for the shutdown timeout
 *   and then terminated, as after an ask that was answered;
 * - failed: the platform refused it; nothing was asked.
 */
import { isPlatformError, isShutdownAsked } from './hresult.js';

export type ShutdownAsk = 'asked' | 'unconfirmed' | 'failed';

export function shutdownAskOutcome(e: unknown): ShutdownAsk {
  if (isShutdownAsked(e)) return 'asked';
  if (isPlatformError(e, 'HCS_E_OPERATION_TIMEOUT', 'HCS_E_CONNECTION_TIMEOUT', 'HCS_E_SERVICE_DISCONNECT')) return 'unconfirmed';
  return 'failed';
}
