/**
 * The IO keeper's platform calls (opening a container, creating its init process) get the same per-call deadline
 * as the daemon's (limits.platformCallTimeoutSeconds: platform-deadline.ts), so a hung HcsCreateProcess fails its
 * StartContainer with DeadlineExceeded naming the call, and what it does late is undone. The daemon waits for a
 * keeper answer long enough for those calls to reach their deadline (a start makes two in a row), never less
 * than the keeper client's default.
 */
import type { Platform } from '../platform/types.js';
import { platformWithDeadlines } from './platform-deadline.js';

const KEEPER_DEFAULT_MS = 30_000;

export function keeperPlatform(p: Platform, platformCallTimeoutSeconds: number): Platform {
  return platformWithDeadlines(p, platformCallTimeoutSeconds * 1000);
}

export function keeperRequestTimeoutMs(platformCallTimeoutSeconds: number): number {
  return Math.max(KEEPER_DEFAULT_MS, 2 * platformCallTimeoutSeconds * 1000 + 5_000);
}
