/**
 * The IO keeper's platform calls (opening a container, creating its init process) get the same per-call deadline
 * as the daemon's (limits.platformCallTimeoutSeconds: platform-deadline.ts), so a hung HcsCreateProcess fails its
 * StartContainer with DeadlineExceeded naming the call, and what it does late is undone. The daemon waits for a
 * keeper answer long enough for those calls to reach their deadline (a start makes two in a row), never less
 * than the keeper client's default. A dead or wedged keeper is found sooner by the client's liveness pings
 * (container-io/keeper-liveness.ts), which the daemon answers by killing it (below).
 */
import type { Platform } from '../platform/types.js';
import type { KeeperClientOptions } from '../container-io/keeper-client.js';
import { LIVENESS_INTERVAL_MS } from '../container-io/keeper-liveness.js';
import { platformWithDeadlines } from './platform-deadline.js';

const KEEPER_DEFAULT_MS = 30_000;

export function keeperPlatform(p: Platform, platformCallTimeoutSeconds: number): Platform {
  return platformWithDeadlines(p, platformCallTimeoutSeconds * 1000);
}

export function keeperRequestTimeoutMs(platformCallTimeoutSeconds: number): number {
  return Math.max(KEEPER_DEFAULT_MS, 2 * platformCallTimeoutSeconds * 1000 + 5_000);
}

/**
 * A keeper that leaves a liveness ping unanswered while calls wait on it (wedged event loop, SIGSTOP) is killed, so
 * the client's reconnection spawns a new one, which takes the containers back as after any keeper kill -9.
 */
export function killUnresponsiveKeeper(pid: number | undefined): void {
  if (!pid || pid === process.pid) return;
  try { process.kill(pid, 'SIGKILL'); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e; }
}

/** The liveness timeouts WINCRI_KEEPER_LIVENESS_TIMEOUT_MS may set (whole ms): below, a busy keeper would be killed; above, a timer overflows. */
export const LIVENESS_TIMEOUT_RANGE_MS = { min: 1000, max: 600_000 } as const;

/**
 * The keeper client's liveness timeout is its default (10 s) unless WINCRI_KEEPER_LIVENESS_TIMEOUT_MS sets another
 * (tests: a stopped keeper is then found in seconds); the pings go out four times per timeout, every 2 s at most.
 * A value that is not a whole number of ms in LIVENESS_TIMEOUT_RANGE_MS is ignored and `warn` says so: Node turns a
 * timer of 2^31 ms or more into 1 ms, so "very large to turn it off" would kill the keeper at once.
 */
export function keeperLiveness(env: NodeJS.ProcessEnv = process.env, warn: (m: string) => void = () => undefined): Pick<KeeperClientOptions, 'livenessTimeoutMs' | 'livenessIntervalMs'> {
  const raw = env.WINCRI_KEEPER_LIVENESS_TIMEOUT_MS;
  if (!raw) return {};
  const ms = Number(raw);
  const { min, max } = LIVENESS_TIMEOUT_RANGE_MS;
  if (!Number.isInteger(ms) || ms < min || ms > max) {
    warn(`WINCRI_KEEPER_LIVENESS_TIMEOUT_MS=${JSON.stringify(raw)} ignored: it must be a whole number of ms from ${min} to ${max}; the default applies`);
    return {};
  }
  return { livenessTimeoutMs: ms, livenessIntervalMs: Math.min(LIVENESS_INTERVAL_MS, ms / 4) };
}
