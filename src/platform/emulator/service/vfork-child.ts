/**
 * The children vfork-spawn.ts starts, once started: the VforkChild (the part of Node's ChildProcess the emulator
 * uses), their exits collected with waitpid on SIGCHLD (libuv reaps only its own children, by pid), and the event
 * loop held open while a ref'd child lives or a spawn is still running on a pool thread.
 */
import { EventEmitter } from 'node:events';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { vforkLibc, WNOHANG, ECHILD } from './vfork-libc.js';
import { errnoName } from './errno-name.js';

/** What the emulator uses of a child, whichever way it was started (Node's ChildProcess or a VforkChild). */
export interface SpawnedChild extends EventEmitter {
  readonly pid?: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly stdio: readonly (Readable | Writable | null | undefined)[];
  unref(): void;
}

export class VforkChild extends EventEmitter implements SpawnedChild {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  stdin: Writable | null = null;
  stdout: Readable | null = null;
  stderr: Readable | null = null;
  readonly stdio: (Readable | Writable | null)[] = [];
  constructor(public pid: number) { super(); }
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.pid <= 0) return false; // not started (yet): never signal a group by 0
    if (this.exitCode !== null || this.signalCode !== null) return false; // reaped: its pid may be another's now
    try { process.kill(this.pid, signal); return true; } catch { return false; }
  }
  /** As Node's: a live child holds the event loop open until it exits, unless unref'd. */
  unref(): void {
    if (this.refd && live.get(this.pid) === this) refdLive--;
    this.refd = false;
    holdLoop();
  }
  refd = true;
}

const live = new Map<number, VforkChild>();
/** Children whose posix_spawn is still running on a pool thread. */
const pending = new Set<VforkChild>();
/** How many of `live` are ref'd (hold the event loop open). */
let refdLive = 0;
let listening = false;
const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([k, v]) => [v as number, k as NodeJS.Signals]));

/**
 * Its exit arrives by SIGCHLD, whose handle Node does not count as keeping the loop open: a timer does while a
 * ref'd child lives or a spawn runs (its look every REAP_EVERY_MS is only a safety net: a SIGCHLD reaps every
 * recorded child). The timer waits for nothing: it only runs reap() below, which never blocks.
 */
const REAP_EVERY_MS = 60_000;
let keeper: NodeJS.Timeout | undefined;
function holdLoop(): void {
  const need = pending.size > 0 || refdLive > 0;
  if (!need) { if (keeper) { clearInterval(keeper); keeper = undefined; } return; }
  keeper ??= setInterval(reap, REAP_EVERY_MS);
}

/**
 * Looks at every recorded child once, never waiting (WNOHANG, on this thread: no pool thread is held by a child that
 * runs on). One still running stays recorded and is looked at again on the next SIGCHLD (or the timer above). One
 * that cannot be waited for (ECHILD: not this service's child any more) would be looked at in vain forever, holding
 * the loop open if ref'd: it is reported exited with status unknown (255). Every child collected here is taken off
 * the record first and then told, each apart: a listener that throws does not keep the others' exits from them.
 */
function reap(): void {
  const lc = vforkLibc();
  if (!lc) return;
  const st = Buffer.alloc(4);
  const exited: VforkChild[] = [];
  for (const [pid, child] of live) {
    const r = lc.waitpid(pid, st, WNOHANG);
    if (r !== pid && (r !== -1 || lc.errno() !== ECHILD)) continue;
    live.delete(pid);
    if (child.refd) refdLive--;
    if (r === pid) setStatus(child, st.readInt32LE(0)); else child.exitCode = 255;
    exited.push(child);
  }
  holdLoop();
  let thrown: { e: unknown } | undefined;
  for (const child of exited) {
    try { child.emit('exit', child.exitCode, child.signalCode); } catch (e) { thrown ??= { e }; }
  }
  if (thrown) throw thrown.e;
}

/** A wait status as Node reports it: the exit code, or the name of the signal that ended the child. */
function setStatus(child: VforkChild, s: number): void {
  const sig = s & 0x7f;
  if (sig === 0) child.exitCode = (s >> 8) & 0xff; else child.signalCode = SIGNAL_NAMES.get(sig) ?? 'SIGKILL';
}

/** Starts collecting exits (once). */
export function listenForExits(): void {
  if (!listening) { process.on('SIGCHLD', reap); listening = true; }
}

/** A spawn queued on a pool thread: the loop is held until it is done. */
export function spawning(child: VforkChild): void {
  pending.add(child);
  holdLoop();
}

/**
 * The spawn succeeded. Its exit is reaped on SIGCHLD or the look below, both after the callers' 'spawn'
 * continuations (as with Node's spawn, 'exit' never comes in the turn of 'spawn'); a SIGCHLD that came before the
 * pid was known is made up for by that look. 'spawn' goes last: a listener that throws skips nothing of this.
 */
export function started(child: VforkChild, pid: number): void {
  pending.delete(child);
  child.pid = pid;
  live.set(pid, child);
  if (child.refd) refdLive++;
  setImmediate(reap);
  holdLoop();
  child.emit('spawn');
}

/** A child that never ran: 'error' with the errno's code (as Node's spawn reports it), then 'exit' 127. */
export function neverRan(child: VforkChild, errno: number): void {
  pending.delete(child);
  holdLoop();
  const code = errnoName(errno);
  child.exitCode = 127;
  const e = Object.assign(new Error(`spawn ${code}`), { code, errno: -errno });
  child.emit('error', e);
  child.emit('exit', 127, null);
}
