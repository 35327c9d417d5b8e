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
 * polls): polls never arm a check, so a poll now and then does not end a quiet spell, but more than `maxPolls` in
 * one period count as work, so a collection never lands in a burst of polls either. hold() marks long work (a
 * streaming session) as going on until its release, which counts as a touch.
 */
export interface IdleTrimDeps {
  collect: () => void;
  setTimer: (fn: () => void, ms: number) => unknown;
}

export class IdleTrim {
  private active = false;
  private armed = false;
  private polls = 0;
  private holds = 0;
  /** How many collections ran (for tests and diagnostics). */
  collections = 0;

  constructor(private readonly quietMs: number, private readonly deps: IdleTrimDeps, private readonly maxPolls = 20) {}

  touch(): void {
    this.active = true;
    if (!this.armed) { this.armed = true; this.deps.setTimer(this.check, this.quietMs); }
  }

  hold(): () => void {
    this.holds++;
    this.touch();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.touch();
    };
  }

  poll(): void {
    this.polls++;
  }

  private readonly check = (): void => {
    const polling = this.polls > this.maxPolls;
    this.polls = 0;
    if (this.active || polling || this.holds > 0) {
      this.active = false;
      this.deps.setTimer(this.check, this.quietMs);
      return;
    }
    this.armed = false;
    this.collections++;
    this.deps.collect();
  };
}
