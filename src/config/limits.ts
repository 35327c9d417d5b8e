/**
 * Resource bounds of the daemon: how much runs at once, how much waits, and how long one platform call may take.
 * Beyond a bound work queues (FIFO); beyond a queue it is refused with ResourceExhausted.
 */
import type { Problems } from './check.js';

export interface LimitsConfig {
  /** CRI RPCs served at the same time (Version, Status and RuntimeConfig are never held back). */
  concurrentRpcs: number;
  /** RPCs waiting for a slot; more are refused with ResourceExhausted. */
  rpcQueueLength: number;
  /** Image pulls running at the same time; more wait. */
  concurrentPulls: number;
  /** Pod network set-ups / tear-downs / checks (CNI plugin chains) running at the same time; more wait. */
  concurrentCniCalls: number;
  /** ExecSync commands running at the same time; more wait. */
  concurrentExecSync: number;
  /** One HCS/HCN/storage call that has not answered after this long fails with HCS_E_OPERATION_TIMEOUT (DeadlineExceeded). */
  platformCallTimeoutSeconds: number;
}

/** hcsshim waits up to 4 minutes for a system create/start/shutdown (its internal/timeout defaults); so do we. */
export function defaultLimits(): LimitsConfig {
  return { concurrentRpcs: 256, rpcQueueLength: 4096, concurrentPulls: 4, concurrentCniCalls: 16, concurrentExecSync: 64, platformCallTimeoutSeconds: 240 };
}

export function validateLimits(l: LimitsConfig, p: Problems): void {
  for (const k of ['concurrentRpcs', 'rpcQueueLength', 'concurrentPulls', 'concurrentCniCalls', 'concurrentExecSync'] as const) {
    if (!Number.isInteger(l[k]) || l[k] < 1) p.add(['limits', k], 'must be a positive integer');
  }
  if (!(l.platformCallTimeoutSeconds > 0)) p.add(['limits', 'platformCallTimeoutSeconds'], 'must be positive');
}
