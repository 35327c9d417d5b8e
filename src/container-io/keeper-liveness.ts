/**
 * Keeper liveness while calls are outstanding. A start may legitimately wait minutes on a platform call (the
 * keeper's calls have limits.platformCallTimeoutSeconds, and the daemon waits for two of them), so the per-call
 * timeout cannot tell a slow call from a dead keeper. A wedged or stopped keeper still holds its connection open,
 * so nothing closes either. While any call is outstanding the client pings the keeper at a short interval over the
 * same connection; ping is answered by the keeper's event loop without touching the platform, so a ping that goes
 * unanswered for `timeoutMs` means the keeper itself is stuck: the client fails the outstanding calls (Unavailable)
 * and has it replaced (keeper-client.ts).
 */
import { KeeperError } from './protocol.js';

export const LIVENESS_INTERVAL_MS = 2_000;
export const LIVENESS_TIMEOUT_MS = 10_000;

/** A request the keeper did not answer in time (as opposed to a lost connection or an error answer). */
export class KeeperNoAnswer extends KeeperError {
  constructor(method: string, ms: number) {
    super('Unavailable', `IO keeper did not answer ${method} within ${ms} ms`);
  }
}

export class KeeperLiveness {
  private timer: NodeJS.Timeout | undefined;
  private probing = false;

  /** `probe` pings with a `timeoutMs` deadline; `onStuck` runs when it rejects with KeeperNoAnswer. */
  constructor(
    private readonly intervalMs: number,
    private readonly probe: () => Promise<unknown>,
    private readonly onStuck: (e: KeeperNoAnswer) => void,
  ) {}

  /** The number of outstanding calls (probes not counted) changed. */
  outstanding(n: number): void {
    if (n > 0 && !this.timer) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref();
    } else if (n === 0) {
      this.stop();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (this.probing) return;
    this.probing = true;
    this.probe().then(() => undefined, (e: unknown) => { if (e instanceof KeeperNoAnswer) this.onStuck(e); })
      .finally(() => { this.probing = false; });
  }
}
