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
  /** Where the watch list keeps it while watched (set here; a call creates it with -1). */
  slot?: number;
}

/**
 * The watched deadlines in `watched[0, count)`, each knowing its slot: a call's watch and unwatch allocate nothing.
 * It was a Set, which swung between 0 and 1 entries per call: V8 gave that long-lived Set a new backing table
 * every other call, allocated straight in the old generation (the Set lives there), so a burst of polls left
 * ~60 bytes per call of old-space garbage that only a full GC takes back (a sampling heap profile of 3 000 Version
 * calls keeping what major GCs collected: ~0.3 MiB from this Set; idle-gc.ts). The array only grows, to the most
 * deadlines ever watched at once, and a slot freed is filled from the end.
 */
const watched: (Deadline | undefined)[] = [];
let count = 0;
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
  const due: Deadline[] = [];
  for (let i = 0; i < count;) {
    const d = watched[i]!;
    if (d.at <= now) { take(d); d.slot = DUE; due.push(d); continue; } // the last one moved into slot i
    if (d.at < next) next = d.at;
    i++;
  }
  if (next !== Infinity && next < armedFor) arm(next);
  // One unwatched by an earlier one's fire (its slot no longer DUE) does not fire.
  for (const d of due) if (d.slot === DUE) { d.slot = -1; d.fire(); }
}

/** The slot of a deadline taken out by a sweep, to fire unless unwatched first. */
const DUE = -2;

/** Takes `d` out of its slot (the last watched one moves there). */
function take(d: Deadline): void {
  const i = d.slot!;
  const last = watched[--count]!;
  watched[i] = last;
  last.slot = i;
  watched[count] = undefined;
  d.slot = -1;
}

/** Runs `d.fire` at `d.at` unless unwatched first. Watching a deadline already watched does nothing. */
export function watch(d: Deadline): void {
  if (d.slot !== undefined && d.slot >= 0) return;
  d.slot = count;
  watched[count++] = d;
  if (d.at < armedFor) arm(d.at);
}

export function unwatch(d: Deadline): void {
  if (d.slot !== undefined && d.slot >= 0) take(d);
  else if (d.slot === DUE) d.slot = -1;
}

/** Test-only: how many deadlines are watched. */
export function watchedCount(): number { return count; }
