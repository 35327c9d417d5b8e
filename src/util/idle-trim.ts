/**
 * Gives memory back once a process goes quiet after a burst of work. V8 keeps the old-generation pages a burst
 * grew until a later full GC, and a process that then only answers the odd poll rarely runs one: after a pod
 * lifecycle burst the daemon and the emulator service held two to three times their live heap. One forced full
 * GC (async: it runs in its own task, not inside the caller) releases those pages.
 *
 * touch() marks work; it only sets a flag and, when no check is pending, arms one timer. The timer fires every
 * `quietMs` while work goes on; the first time it finds no touch since the previous firing it collects once and
 * disarms. So a busy process never collects, a quiet one collects between `quietMs` and twice that after its last
 * touch, and an idle process has no timer at all. poll() marks a cheap request (kubelet's relist and status
 * polls): a poll now and then is no work (kubelet's pace neither ends a quiet spell nor arms a check), but more
 * than `maxPolls` within one period are — a burst of polls grows the heap like any other work, so it is followed by
 * a collection and never interrupted by one. workBegan() marks long work (a streaming session) as going on until
 * workEnded(), which counts as a touch; every RPC that is work is marked so from its start to its end: marking its start
 * alone let a call slower than `quietMs` (pod creation on a loaded host, a slow platform call in the emulator
 * service) be taken for quiet, and a compacting GC of 270–1000 ms ran in the middle of it. callBegan() marks a call
 * that is not work (a poll, or a call already marked) as in flight: no collection until callEnded(), and its end
 * restarts the quiet period of a pending check without arming one. The check also counts the polls of its own period: more than `maxPolls` of them
 * in it or in the period before defer the collection as a touch does. The per-second window only arms the check and
 * is not aligned with its period, and polls that come in blocks (a client alternating between runtimes, one block
 * every 0.6 s) put more than `maxPolls` into every other period only: the check then collected in the middle of the
 * burst (a 60–230 ms compacting GC under a relist on a loaded host). The collection is told whether the spell
 * follows work (`afterWork`) or a burst of polls (anything before that burst is counted as done with): a spell after
 * polls may not be worth a full collection (idle-gc.ts).
 */
export interface IdleTrimDeps {
  collect: (afterWork: boolean) => void;
  setTimer: (fn: () => void, ms: number) => unknown;
  /** Milliseconds clock for counting polls per period (Date.now when absent). */
  now?: () => number;
}

export class IdleTrim {
  private active = false;
  /** Work other than polls since the last collection and since the last burst of polls. */
  private work = false;
  private armed = false;
  private polls = 0;
  private pollWindow = -Infinity;
  /** Polls since the check last fired (or was armed), and in the period before. */
  private periodPolls = 0;
  private previousPolls = 0;
  private holds = 0;
  /** How many collections ran (for tests and diagnostics). */
  collections = 0;

  constructor(private readonly quietMs: number, private readonly deps: IdleTrimDeps, private readonly maxPolls = 20) {}

  touch(): void {
    this.work = true;
    this.busy();
  }

  private busy(): void {
    this.active = true;
    if (!this.armed) { this.armed = true; this.periodPolls = 0; this.previousPolls = 0; this.deps.setTimer(this.check, this.quietMs); }
  }

  /** Work that lasts (an RPC, a stream) begins: no collection until `workEnded()`, called once for it, which counts as a touch. */
  workBegan(): void {
    this.holds++;
    this.touch();
  }

  workEnded(): void {
    this.holds--;
    this.touch();
  }

  /** A call in flight that is not work of its own begins (see the class comment); `callEnded()`, once, ends it. */
  callBegan(): void {
    this.holds++;
  }

  callEnded(): void {
    this.holds--;
    if (this.armed) this.active = true;
  }

  /** Whether a check is pending: work or a burst of polls came since the last collection. */
  get checking(): boolean { return this.armed; }

  /** Whether work or a call is in flight. */
  get held(): boolean { return this.holds > 0; }

  poll(): void {
    const now = (this.deps.now ?? Date.now)();
    if (now - this.pollWindow >= this.quietMs) { this.pollWindow = now; this.polls = 0; }
    this.periodPolls++;
    if (++this.polls > this.maxPolls) { this.work = false; this.busy(); } // the spell now follows polls
  }

  private readonly check = (): void => {
    const polled = this.periodPolls > this.maxPolls || this.previousPolls > this.maxPolls;
    this.previousPolls = this.periodPolls;
    this.periodPolls = 0;
    if (this.active || this.holds > 0 || polled) {
      this.active = false;
      this.deps.setTimer(this.check, this.quietMs);
      return;
    }
    this.armed = false;
    this.collections++;
    const afterWork = this.work;
    this.work = false;
    this.deps.collect(afterWork);
  };
}
