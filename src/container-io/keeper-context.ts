/** What the IO keeper's parts share: its container entries and their records, the platform, the exit subscribers, its timings and whether it is closing. */
import type { Socket } from 'node:net';
import type { Platform } from '../platform/types.js';
import type { Logger } from '../util/log.js';
import type { RecordStore, Entry } from './keeper-state.js';

export interface KeeperContext {
  readonly records: RecordStore;
  readonly platform: Platform;
  readonly log: Logger;
  readonly entries: Map<string, Entry>;
  /** Forgets under way (their files still being removed): a forget asked meanwhile answers when that one is done. */
  readonly forgetting: Map<string, Promise<void>>;
  /** Connections that asked for exit events. */
  readonly subscribers: Set<Socket>;
  /** How long after the process exit to wait for stdout/stderr EOF. */
  readonly drainTimeoutMs: number;
  /** First pause between attempts to take a recovered process back (it doubles, up to RETRY_CAP_MS). */
  readonly recoveryRetryMs: number;
  /** How long in all a takeover that fails in a way that can pass is retried before the exit is reported lost. */
  readonly recoveryGiveUpMs: number;
  /** True once close() began; read afresh after every await. */
  readonly closed: boolean;
}

/** Exit code reported when the real one cannot be known (containerd uses the same value). */
export const UNKNOWN_EXIT_CODE = 255;
