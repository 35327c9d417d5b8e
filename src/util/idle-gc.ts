/**
 * The process's IdleTrim (idle-trim.ts): one per process, checking every second. The collection is V8's own gc(),
 * taken from a fresh context after `--expose-gc` is set at run time, so the daemon's service definitions and the
 * helpers' command lines need no extra flag. A plain full GC frees objects but keeps the pages they were spread
 * over (after a pod lifecycle burst the emulator service's heap was 16.5 MiB with 8 MiB live); with
 * `--compact-on-every-full-gc` set for that one GC, V8 moves the survivors together and releases the emptied pages,
 * as its memory reducer does some time later, or never, in a process that stays a little busy. After it, the C
 * heap's freed pages go back too (native-trim.ts): a burst of 8 000 Version calls left the daemon's glibc heap
 * 4–5 MiB above its fresh size with nothing live in it. A poll creates the process's IdleTrim like a touch does,
 * so a process whose only work so far was a burst of polls collects after it too (the native releases; the full
 * GC only past POLL_GROWTH_BYTES, or a plain one a few seconds later if the process stays quiet). Where gc() cannot
 * be had, touching does nothing. A process that never has a quiet spell gets its C heap trimmed all the same: the
 * end of every piece of work (a touch, the end of work or of a call in flight) is offered to the BusyTrim
 * (busy-trim.ts), which trims off the main thread once the memory outside V8's heap has grown enough, at most twice
 * a minute — in the emulator service; the daemon and the IO keeper leave it out (configureIdleGc).
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { IdleTrim } from './idle-trim.js';
import { trimNativeHeap } from './native-trim.js';
import { releaseBinaryPages } from './binary-pages.js';
import type { BusyTrim } from './busy-trim.js';
import { createBusyTrim } from './busy-native.js';
import { LateCollection } from './late-collection.js';

const QUIET_MS = 1000;

/**
 * After a burst of polls, the quiet spell runs the full collection only once V8's committed heap has grown this
 * much since the last one (or since the process's first request). A forced full GC in a quiet spell costs more
 * than its pause (50–500 ms on this shared host): V8 then throws away the optimized code of 40–80 functions of the
 * gRPC/HTTP2 path (--trace-deopt: "weak objects"; the natural, incremental full GCs under load do not), which run
 * unoptimized again for the next few hundred calls. A client polling in bursts with pauses of a second or two
 * (the bench's interleaved Version blocks) paid that after every pause: Version p50 1.12–1.16× the do-nothing
 * grpc-js server with the collection, 1.01–1.03× without it (same run, same tree). Polls leave short-lived
 * garbage; what they promote stays below this bound (a 2 000-call Version phase: the daemon at rest 5.6 MiB PSS
 * above what a compaction leaves), and the cheap releases (C heap, the binary's pages) still follow every burst;
 * a full GC comes LATE_MS later if the process stays quiet (late-collection.ts).
 */
const POLL_GROWTH_BYTES = 8 * 1024 * 1024;

/**
 * A spell after polls that left the full collection out, with at least this much growth, has a plain full GC
 * later, once the process has stayed quiet LATE_MS longer (late-collection.ts): longer than the 1–2 s pauses of a
 * client polling in blocks; kubelet's steady polls are no burst at all.
 */
const LATE_GROWTH_BYTES = 2 * 1024 * 1024;
const LATE_MS = 3000;

type GcFn = (opts?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => Promise<void> | void;

export function v8Gc(): GcFn | undefined {
  const g = (globalThis as { gc?: GcFn }).gc;
  if (typeof g === 'function') return g;
  try {
    setFlagsFromString('--expose-gc');
    const f = runInNewContext('gc') as unknown;
    return typeof f === 'function' ? (f as GcFn) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One compacting full GC, run by V8 in a task of its own (not inside whatever touched last), then a C-heap trim,
 * then the node binary's pages the burst mapped are unmapped (binary-pages.ts) — last, so that the GC's and the
 * trim's own code is not left mapped.
 */
export function compactOnce(gc: GcFn): Promise<void> {
  compactions++;
  // Array buffers' memory (Buffers: C-heap allocations) is freed by the GC's array-buffer sweep, which V8 runs on a
  // background thread that may finish after the GC: the trim then came too early to see those frees. For this one
  // GC the sweep is made part of it.
  setFlagsFromString('--compact-on-every-full-gc');
  setFlagsFromString('--no-concurrent-array-buffer-sweeping');
  const restore = () => {
    setFlagsFromString('--no-compact-on-every-full-gc');
    setFlagsFromString('--concurrent-array-buffer-sweeping');
    heapAfterCompaction = getHeapStatistics().total_heap_size;
    releaseNative();
  };
  return Promise.resolve(gc({ type: 'major', execution: 'async' })).then(restore, restore);
}

/**
 * The late full GC after a burst of polls (late-collection.ts): V8's own choice of pages to compact, not every
 * page — after a Version burst it took the daemon 6–12 CPU ticks against 20–25 for compactOnce, for 4.6 against
 * 5.6 MiB of PSS (the C heap it freed went back to the system, which after compactOnce it did not: [heap] 5.1
 * against 7.4 MiB) — then the native releases.
 */
function collectOnce(gc: GcFn): Promise<void> {
  const done = () => {
    heapAfterCompaction = getHeapStatistics().total_heap_size;
    releaseNative();
  };
  return Promise.resolve(gc({ type: 'major', execution: 'async' })).then(done, done);
}

/** The C heap's free pages, then the binary's pages (see compactOnce); no GC, nothing deoptimized. */
function releaseNative(): void {
  // A busy trim under way holds each arena's lock in turn: a second trim here would wait for it on this thread.
  if (!busy?.running && trimNativeHeap()) busy?.trimmed();
  releaseBinaryPages();
}

/** V8's committed heap right after the last compaction, or when the first work or poll came. */
let heapAfterCompaction = 0;
let compactions = 0;

/** Whether a quiet spell after polls alone is worth a full collection (see POLL_GROWTH_BYTES). */
export function pollsWorthCompacting(heapNow: number, heapAfterLast: number): boolean {
  return heapNow - heapAfterLast >= POLL_GROWTH_BYTES;
}

/** Whether a spell after polls that left the full collection out should have it later (see LATE_GROWTH_BYTES). */
function pollsLeftGarbage(heapNow: number, heapAfterLast: number): boolean {
  return heapNow - heapAfterLast >= LATE_GROWTH_BYTES;
}

/**
 * The collection of a quiet spell: a full compacting one after work; after polls, the native releases, and the
 * compaction too once they grew the heap enough (at once), or a plain full GC if they grew it some (LATE_MS
 * later, if still quiet).
 */
function idleCollect(gc: GcFn, afterWork: boolean): void {
  const heap = getHeapStatistics().total_heap_size;
  if (afterWork || pollsWorthCompacting(heap, heapAfterCompaction)) { void compactOnce(gc); return; }
  releaseNative();
  if (pollsLeftGarbage(heap, heapAfterCompaction)) late?.arm();
}

let trim: IdleTrim | null | undefined;
let late: LateCollection | null = null;
type BusyLike = Pick<BusyTrim, 'afterWork' | 'trimmed' | 'running'>;

export interface IdleGcOptions {
  /**
   * Makes the trim of the C heap while busy (busy-trim.ts) that the end of each piece of work is offered to, at the
   * process's first work (null: none). Default createBusyTrim (the emulator service). The daemon and the IO keeper
   * do without one: their C heaps stay flat under churn (README, soak: the emulator service's main arena
   * 4.6 → 17.2 MiB in 5 minutes with the busy trim off, 6.0 → 9.0 on; the daemon's and the keeper's stayed at
   * 4.5–7.5 and 3.1–4.4 MiB either way, and the busy trims they ran returned 0–1.2 MiB, the keeper's nothing).
   */
  busyTrim?: () => BusyLike | null;
}

let makeBusy: () => BusyLike | null = createBusyTrim;
/** Trims the C heap while work goes on, which the quiet spell's collection never sees (busy-trim.ts). */
let busy: BusyLike | null = null;

/**
 * How this process's idle collection works, set by its command before any work. Once work has begun it throws: the
 * busy trim made at the first work may be trimming right then, and one made in its place would run beside it.
 */
export function configureIdleGc(opts: IdleGcOptions): void {
  if (trim !== undefined) throw new Error('configureIdleGc: this process\'s idle collection was set up at its first work; configure it before any');
  if (opts.busyTrim) makeBusy = opts.busyTrim;
}

/**
 * The process's IdleTrim, made at the first call. The per-call path (this and the begin/end functions) holds no
 * variable an inner function captures: V8 allocates such a function's context at every call while it runs
 * unoptimized (88 bytes per begin/end pair, before TurboFan takes the function and again after its optimized code is
 * dropped, by a deopt or a forced full GC), so what the closures capture lives in setUpProcessTrim.
 */
function processTrim(): IdleTrim | null {
  return trim !== undefined ? trim : setUpProcessTrim();
}

function setUpProcessTrim(): IdleTrim | null {
  const gc = v8Gc();
  heapAfterCompaction = getHeapStatistics().total_heap_size;
  busy = makeBusy();
  const setTimer = (fn: () => void, ms: number) => setTimeout(fn, ms).unref();
  const t = gc ? new IdleTrim(QUIET_MS, { collect: (afterWork) => idleCollect(gc, afterWork), setTimer }) : null;
  trim = t;
  late = t && gc ? new LateCollection(LATE_MS, QUIET_MS, {
    setTimer, collections: () => t.collections, busy: () => t.checking, inFlight: () => t.held, collect: () => void collectOnce(gc),
  }) : null;
  return trim;
}

/** Marks work in this process: once it has been quiet for a second or two, V8 compacts its heap once. */
export function touchIdleGc(): void {
  processTrim()?.touch();
  busy?.afterWork();
}

/** Marks a cheap polling request: it delays a pending collection only when polls come many to the second. */
export function pollIdleGc(): void {
  processTrim()?.poll();
}

/**
 * Marks work (an RPC) as in flight until `idleGcWorkEnds()`, called once for it: no idle collection meanwhile; the
 * end counts as a touch and is offered to the busy trim. Nothing is allocated (the per-call path).
 */
export function idleGcWorkBegins(): void {
  processTrim()?.workBegan();
}

export function idleGcWorkEnds(): void {
  trim?.workEnded();
  busy?.afterWork();
}

/** Marks a call in flight that is no work of its own (a poll, or a call already touched) until `idleGcCallEnds()`, called once for it. */
export function idleGcCallBegins(): void {
  processTrim()?.callBegan();
}

export function idleGcCallEnds(): void {
  trim?.callEnded();
  busy?.afterWork();
}

/** Work (a streaming session, a pull) as in flight until the returned function is first called (idleGcWorkBegins / Ends). */
export function holdIdleGc(): () => void {
  idleGcWorkBegins();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    idleGcWorkEnds();
  };
}

/** Whether this process trims its C heap while busy (diagnostics and tests; decided at its first work). */
export function busyTrimming(): boolean {
  processTrim();
  return busy !== null;
}

/** How many idle collections this process has run (diagnostics and tests). */
export function idleGcCollections(): number {
  return trim?.collections ?? 0;
}

/** How many full collections bursts of polls had late (late-collection.ts; diagnostics and tests). */
export function idleGcLateCollections(): number {
  return late?.ran ?? 0;
}

/** How many of them (and direct compactOnce calls) ran V8's compacting GC (diagnostics and tests). */
export function idleGcCompactions(): number {
  return compactions;
}
