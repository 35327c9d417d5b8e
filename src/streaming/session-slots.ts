/**
 * The streaming session bound (streaming.maxSessions) with a queue: an upgrade beyond the bound waits, its
 * handshake held, until a session ends, at most `maxQueued` of them and each at most `waitMs`. A full queue is
 * refused at once (HTTP 429), a wait that outlives its deadline with 503; a client that hangs up while waiting
 * leaves the queue. Both refusals carry Retry-After and name the settings.
 */
import type { Duplex } from 'node:stream';
import { Semaphore } from '../util/semaphore.js';
import { setLongTimeout } from '../util/long-timer.js';

export type SlotOutcome =
  | { ok: true }
  | { ok: false; status: number; reason: 'too_many_sessions' | 'session_queue_timeout' | 'closed'; message: string };

const FULL = Symbol('full');

export class SessionSlots {
  private readonly sem: Semaphore;
  private readonly waiting = new Set<Duplex>();

  constructor(private readonly max: number, private readonly maxQueued: number, private readonly waitMs: number) {
    this.sem = new Semaphore(max, maxQueued, () => Object.assign(new Error('full'), { [FULL]: true }));
  }

  get queued(): number { return this.sem.queued; }

  /** Takes a slot for the session on `socket`, waiting in the queue if need be. */
  async take(socket: Duplex): Promise<SlotOutcome> {
    const ac = new AbortController();
    const timer = setLongTimeout(() => ac.abort('timeout'), this.waitMs);
    const gone = () => ac.abort('closed');
    socket.once('close', gone);
    this.waiting.add(socket);
    try {
      await this.sem.acquire(ac.signal);
      return { ok: true };
    } catch (e) {
      if (e && typeof e === 'object' && FULL in e) {
        return { ok: false, status: 429, reason: 'too_many_sessions', message: `too many streaming sessions: ${this.max} running and ${this.maxQueued} waiting (streaming.maxSessions, streaming.maxQueuedSessions); retry later` };
      }
      if (ac.signal.reason === 'closed') return { ok: false, status: 499, reason: 'closed', message: 'client went away' };
      return { ok: false, status: 503, reason: 'session_queue_timeout', message: `no streaming session ended within ${this.waitMs / 1000}s of waiting (streaming.maxSessions ${this.max}, streaming.sessionQueueSeconds); retry later` };
    } finally {
      timer.clear();
      socket.off('close', gone);
      this.waiting.delete(socket);
    }
  }

  release(): void { this.sem.release(); }

  /** Ends every waiting connection (the server is closing). */
  dropWaiting(): void { for (const s of this.waiting) s.destroy(); }
}
