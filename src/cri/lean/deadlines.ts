/**
 * The lean calls' `grpc-timeout` deadlines (./serve.ts) on one shared timer, armed for the earliest deadline still
 * watched. A call answered in its own turn (the usual case: lean handlers answer synchronously) is watched and
 * unwatched without touching a timer: a timer per call — armed at the request's headers, cleared a few
 * microseconds later by the answer — was ~6 % of the daemon's CPU on a Version call (each distinct duration is a
 * timer list of its own in Node). A deadline fires once `Date.now()` has reached it (the clock the direct answer
 * reads to pick its trailers, ../direct-answer.ts); a call still watched then is failed as grpc-js's timer does.
 */

export interface Deadline {
  /** `Date.now()` milliseconds at which `fire` runs. */
  readonly at: number;
  fire(): void;
}

const watched = new Set<Deadline>();
let timer: NodeJS.Timeout | undefined;
let armedFor = Infinity;

function arm(at: number): void {
  if (timer) clearTimeout(timer);
  armedFor = at;
  timer = setTimeout(sweep, Math.max(1, at - Date.now()));
  timer.unref(); // a watched call's open stream keeps the process up, not its deadline
}

function sweep(): void {
  timer = undefined;
  armedFor = Infinity;
  const now = Date.now();
  let next = Infinity;
  for (const d of watched) {
    if (d.at <= now) {
      watched.delete(d);
      d.fire();
    } else if (d.at < next) next = d.at;
  }
  if (next !== Infinity && next < armedFor) arm(next);
}

/** Runs `d.fire` at `d.at` unless unwatched first. */
export function watch(d: Deadline): void {
  watched.add(d);
  if (d.at < armedFor) arm(d.at);
}

export function unwatch(d: Deadline): void {
  watched.delete(d);
}

/** Test-only: how many deadlines are watched. */
export function watchedCount(): number { return watched.size; }
