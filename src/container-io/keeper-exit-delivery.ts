/**
 * The keeper client's exit notifications (keeper-client.ts): each exit goes to every listener once per client,
 * deduplicated by container id and exit time, whether it comes as an event or from a `list` read again after a
 * (re)connection; an exit acknowledged or forgotten is dropped from the record, so a later exit of that id is new.
 */
import type { Logger } from '../util/log.js';
import type { AttachmentInfo, ExitEvent } from './protocol.js';

export type ExitListener = (e: ExitEvent) => void;

export class ExitDelivery {
  private readonly listeners: ExitListener[] = [];
  private readonly delivered = new Set<string>();

  constructor(private readonly log: Logger) {}

  add(cb: ExitListener): void { this.listeners.push(cb); }

  deliver(e: ExitEvent): void {
    const key = `${e.containerId}/${e.exitedAt}`;
    if (this.delivered.has(key)) return;
    this.delivered.add(key);
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.error('exit listener failed', { containerId: e.containerId, err });
      }
    }
  }

  /** The exits of a `list` answer that are not acknowledged yet. */
  replay(list: AttachmentInfo[]): void {
    for (const a of list) {
      if (a.exited && !a.acked) {
        const { exitCode, exitedAt, shutdownAsked, shutdownUnconfirmed, oomKilled } = a.exited;
        this.deliver({ event: 'exit', containerId: a.containerId, pid: a.pid, exitCode, exitedAt,
          ...(shutdownAsked ? { shutdownAsked } : {}), ...(shutdownAsked && shutdownUnconfirmed ? { shutdownUnconfirmed } : {}),
          ...(oomKilled ? { oomKilled } : {}) });
      }
    }
  }

  /** The container's exits were acknowledged or forgotten. */
  drop(containerId: string): void {
    for (const k of this.delivered) if (k.startsWith(`${containerId}/`)) this.delivered.delete(k);
  }
}
