/**
 * The keeper client's calls in flight (keeper-client.ts): request ids, one timer each, and the count of outstanding
 * work (pings not counted) that keeps the liveness probe running (keeper-liveness.ts). A call is settled once: by
 * its answer, its timeout (KeeperNoAnswer), the loss of its connection, or its send throwing.
 */
import { KeeperNoAnswer, type KeeperLiveness } from './keeper-liveness.js';
import { fromWireError, type WireError } from './protocol.js';
import { setLongTimeout, type LongTimeout } from '../util/long-timer.js';

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: LongTimeout;
  /** A ping (liveness probe or connection check): not counted as outstanding work. */
  ping: boolean;
}

export class PendingCalls {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Outstanding calls other than pings. */
  private work = 0;

  constructor(private readonly liveness: KeeperLiveness) {}

  /** A new call of `method` answered within `ms`; `send` writes it with its id. */
  add<T>(method: string, ms: number, send: (id: number) => void): Promise<T> {
    const id = this.nextId++;
    const ping = method === 'ping';
    return new Promise((resolve, reject) => {
      const timer = setLongTimeout(() => {
        this.settled(id);
        reject(new KeeperNoAnswer(method, ms));
      }, ms);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer, ping });
      if (!ping) this.liveness.outstanding(++this.work);
      // A call that could not be written is settled now: no entry, timer or count of outstanding work stays behind.
      try { send(id); } catch (e) {
        this.settled(id);
        reject(e as Error);
      }
    });
  }

  /** The keeper's answer to call `id`. */
  answer(id: number, error: WireError | undefined, result: unknown): void {
    const p = this.settled(id);
    if (!p) return;
    if (error) p.reject(fromWireError(error));
    else p.resolve(result);
  }

  /** How many calls other than pings wait. */
  get outstandingWork(): number { return [...this.pending.values()].filter((p) => !p.ping).length; }

  failAll(e: Error): void {
    for (const id of [...this.pending.keys()]) this.settled(id)?.reject(e);
  }

  /** Removes a pending call; the liveness probe runs while work is outstanding. */
  private settled(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    p.timer.clear();
    if (!p.ping) this.liveness.outstanding(--this.work);
    return p;
  }
}
