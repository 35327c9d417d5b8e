/**
 * Stopped compute systems kept after a dropped connection released their handles, as process-forget.ts keeps
 * processes (releaseDropped): the client may be alive and reconnecting (its re-open stalled, client.ts), holding
 * those handles still. A system that stopped before or while the connection was away is then still there, state
 * and exit type, when the client re-opens it; one nobody re-opened goes once the grace (forgetGraceMs) is over.
 */
import { forgetGraceMs } from './process-forget.js';

export class DroppedSystems {
  private readonly until = new Map<string, number>();

  /** Keeps `id` for the grace; `ended` runs once it is over (not for a grace re-armed meanwhile). */
  keep(id: string, ended: () => void): void {
    const ms = forgetGraceMs();
    const until = Date.now() + ms;
    this.until.set(id, until);
    setTimeout(() => {
      if (this.until.get(id) !== until) return;
      this.until.delete(id);
      ended();
    }, ms + 10).unref();
  }

  holds(id: string): boolean { return (this.until.get(id) ?? 0) > Date.now(); }
}
