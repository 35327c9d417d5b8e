/**
 * Starting the service's children (namespace holders, the helper entering a system, `ip`) with posix_spawn
 * (vfork-libc.ts) instead of Node's spawn, which forks the whole service first (2–9 ms of page-table copying per
 * process on a busy host, paid in the service's one thread). The child is returned as a VforkChild: the part of
 * Node's ChildProcess the emulator uses (pid, stdin, stdio, exitCode/signalCode, 'spawn' / 'error' / 'exit').
 * Its exit is collected with waitpid on SIGCHLD (libuv reaps only its own children, by pid).
 *
 * The child gets what Node's spawn gives it: every signal's default action and an empty signal mask, its own
 * session when detached, the planned cwd, environment and argv[0]; `ignore` is /dev/null, a number is that fd
 * of the service, `pipe` a pipe whose other end the service keeps. An exec failure (no such program, not
 * executable) is reported as Node's spawn does, by an 'error' event carrying the errno code (then 'exit' 127).
 * Returns null where posix_spawn is not to be had (no koffi, another libc): the caller keeps Node's spawn.
 */
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import { constants } from 'node:os';
import { PassThrough, Readable, type Writable } from 'node:stream';
import {
  vforkLibc, FA_SIZE, ATTR_SIZE, SIGSET_SIZE, POSIX_SPAWN_SETSIGDEF, POSIX_SPAWN_SETSIGMASK, POSIX_SPAWN_SETSID, O_CLOEXEC, WNOHANG,
} from './vfork-libc.js';

export type StdioSpec = 'ignore' | 'pipe' | number;

export interface VforkOptions {
  argv0?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  detached?: boolean;
  stdio: StdioSpec[];
}

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
  constructor(readonly pid: number) { super(); }
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    try { process.kill(this.pid, signal); return true; } catch { return false; }
  }
  /** As Node's: a live child holds the event loop open until it exits, unless unref'd. */
  unref(): void { this.refd = false; holdLoop(); }
  refd = true;
}

const live = new Map<number, VforkChild>();
let listening = false;
const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([k, v]) => [v as number, k as NodeJS.Signals]));

/**
 * Its exit arrives by SIGCHLD, whose handle Node does not count as keeping the loop open: a timer does while a
 * ref'd child lives (and its slow poll covers a signal that found the child not yet recorded).
 */
let keeper: NodeJS.Timeout | undefined;
function holdLoop(): void {
  const need = [...live.values()].some((c) => c.refd);
  if (!need) { if (keeper) { clearInterval(keeper); keeper = undefined; } return; }
  keeper ??= setInterval(reap, 1000);
}

function reap(): void {
  const lc = vforkLibc();
  if (!lc) return;
  const st = Buffer.alloc(4);
  for (const [pid, child] of live) {
    if (lc.waitpid(pid, st, WNOHANG) !== pid) continue;
    live.delete(pid);
    const s = st.readInt32LE(0);
    const sig = s & 0x7f;
    if (sig === 0) child.exitCode = (s >> 8) & 0xff; else child.signalCode = SIGNAL_NAMES.get(sig) ?? 'SIGKILL';
    child.emit('exit', child.exitCode, child.signalCode);
  }
  holdLoop();
}

/** The child, or null when posix_spawn is not available here; throws only for an fd the plan cannot map. */
export function vforkSpawn(file: string, args: readonly string[], o: VforkOptions): VforkChild | null {
  const lc = vforkLibc();
  if (!lc || !file.startsWith('/')) return null;
  if (!listening) { process.on('SIGCHLD', reap); listening = true; }
  const fa = Buffer.alloc(FA_SIZE);
  const attr = Buffer.alloc(ATTR_SIZE);
  const sigs = Buffer.alloc(SIGSET_SIZE);
  const toClose: number[] = [];
  const kept: { index: number; fd: number }[] = [];
  lc.faInit(fa);
  lc.atInit(attr);
  try {
    for (const [i, s] of o.stdio.entries()) {
      if (s === 'ignore') { lc.faOpen(fa, i, '/dev/null', 2 /* O_RDWR */, 0); continue; }
      let fd = s as number;
      if (s === 'pipe') {
        const fds = Buffer.alloc(8);
        if (lc.pipe2(fds, O_CLOEXEC) !== 0) throw new Error(`pipe2: errno ${lc.errno()}`);
        const [r, w] = [fds.readInt32LE(0), fds.readInt32LE(4)];
        // stdin is read by the child; every other pipe is read by the service.
        fd = i === 0 ? r : w;
        toClose.push(fd);
        kept.push({ index: i, fd: i === 0 ? w : r });
      }
      // adddup2 onto itself would keep the descriptor's close-on-exec flag: not a plan any caller makes.
      if (fd === i) throw new Error(`vforkSpawn: fd ${fd} is already at its place`);
      lc.faDup2(fa, fd, i);
    }
    if (o.cwd) lc.faChdir(fa, o.cwd);
    lc.sigfill(sigs);
    lc.atSigdef(attr, sigs);
    lc.sigempty(sigs);
    lc.atSigmask(attr, sigs);
    lc.atFlags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (o.detached ? POSIX_SPAWN_SETSID : 0));
    const env = Object.entries(o.env ?? process.env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
    const pid = [0];
    const rc = lc.spawn(pid, file, fa, attr, [o.argv0 ?? file, ...args, null], [...env, null]);
    if (rc !== 0) {
      for (const k of kept) lc.close(k.fd);
      return failed(rc, o.stdio);
    }
    const child = new VforkChild(pid[0]!);
    live.set(child.pid, child);
    holdLoop();
    for (const k of kept) {
      const sock = new Socket({ fd: k.fd, readable: k.index !== 0, writable: k.index === 0 });
      child.stdio[k.index] = sock;
    }
    child.stdin = (child.stdio[0] as Writable | undefined) ?? null;
    child.stdout = (child.stdio[1] as Readable | undefined) ?? null;
    child.stderr = (child.stdio[2] as Readable | undefined) ?? null;
    process.nextTick(() => { child.emit('spawn'); reap(); });
    return child;
  } finally {
    for (const fd of toClose) lc.close(fd);
    lc.faDestroy(fa);
    lc.atDestroy(attr);
  }
}

/**
 * A child that never ran: 'error' with the errno's code (as Node's spawn reports it), then 'exit' 127; its pid is
 * 0 (never a process group to signal) and its pipes are ended streams.
 */
function failed(errno: number, stdio: readonly StdioSpec[]): VforkChild {
  const code = Object.entries(constants.errno).find(([, v]) => v === errno)?.[0] ?? `errno ${errno}`;
  const child = new VforkChild(0);
  child.exitCode = 127;
  for (const [i, s] of stdio.entries()) {
    if (s === 'pipe') child.stdio[i] = i === 0 ? new PassThrough().resume() : Readable.from([]);
  }
  child.stdin = (child.stdio[0] as Writable | undefined) ?? null;
  child.stdout = (child.stdio[1] as Readable | undefined) ?? null;
  child.stderr = (child.stdio[2] as Readable | undefined) ?? null;
  process.nextTick(() => {
    const e = Object.assign(new Error(`spawn ${code}`), { code, errno: -errno });
    child.emit('error', e);
    child.emit('exit', 127, null);
  });
  return child;
}
