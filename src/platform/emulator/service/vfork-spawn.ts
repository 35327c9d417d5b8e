/**
 * Starting the service's children (namespace holders, the helper entering a system, `ip`) with posix_spawn
 * (vfork-libc.ts) instead of Node's spawn, which forks the whole service first (2–9 ms of page-table copying per
 * process on a busy host, paid in the service's one thread). The child is returned as a VforkChild: the part of
 * Node's ChildProcess the emulator uses (pid, stdin, stdio, exitCode/signalCode, 'spawn' / 'error' / 'exit').
 * posix_spawn runs on a libuv pool thread, so the service's own thread never waits for a child's exec. Its exit is
 * collected with waitpid on SIGCHLD (libuv reaps only its own children, by pid).
 *
 * The child gets what Node's spawn gives it: every signal's default action and an empty signal mask, its own
 * session when detached, the planned cwd, environment and argv[0]; `ignore` is /dev/null, a number is that fd
 * of the service, `pipe` a pipe whose other end the service keeps. An exec failure (no such program, not
 * executable) is reported as Node's spawn does, by an 'error' event carrying the errno code (then 'exit' 127).
 * Returns null where posix_spawn is not to be had (no koffi, another libc): the caller keeps Node's spawn.
 */
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import {
  vforkLibc, FA_SIZE, ATTR_SIZE, SIGSET_SIZE, POSIX_SPAWN_SETSIGDEF, POSIX_SPAWN_SETSIGMASK, POSIX_SPAWN_SETSID, O_CLOEXEC, F_DUPFD_CLOEXEC,
} from './vfork-libc.js';
import { errnoName } from './errno-name.js';
import { VforkChild, listenForExits, spawning, started, neverRan } from './vfork-child.js';

export type StdioSpec = 'ignore' | 'pipe' | number;

export interface VforkOptions {
  argv0?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  detached?: boolean;
  stdio: StdioSpec[];
}

export type { SpawnedChild } from './vfork-child.js';
export { VforkChild } from './vfork-child.js';

/**
 * The child, or null when posix_spawn is not available here. posix_spawn runs on a libuv pool thread (koffi's async
 * call): the service's thread never waits for the child's exec. 'spawn' (pid set) or 'error' follows. The fds the
 * plan names are duplicated at once, so the caller may close its own copies as soon as this returns.
 */
export function vforkSpawn(file: string, args: readonly string[], o: VforkOptions): VforkChild | null {
  const lc = vforkLibc();
  if (!lc || !file.startsWith('/')) return null;
  listenForExits();
  const fa = Buffer.alloc(FA_SIZE);
  const attr = Buffer.alloc(ATTR_SIZE);
  const sigs = Buffer.alloc(SIGSET_SIZE);
  const pidBuf = Buffer.alloc(4);
  /** The child's ends (pipes) and the duplicates of the plan's fds: closed once the spawn is done. */
  const toClose: number[] = [];
  const kept: { index: number; fd: number }[] = [];
  const closeAll = (fds: readonly number[]) => { for (const fd of fds) lc.close(fd); };
  lc.faInit(fa);
  lc.atInit(attr);
  const done = () => { closeAll(toClose); lc.faDestroy(fa); lc.atDestroy(attr); };
  try {
    for (const [i, s] of o.stdio.entries()) {
      if (s === 'ignore') { check(lc.faOpen(fa, i, '/dev/null', 2 /* O_RDWR */, 0), 'addopen'); continue; }
      let fd: number;
      if (s === 'pipe') {
        const fds = Buffer.alloc(8);
        if (lc.pipe2(fds, O_CLOEXEC) !== 0) throw new Error(`pipe2: errno ${lc.errno()}`);
        const [r, w] = [fds.readInt32LE(0), fds.readInt32LE(4)];
        // stdin is read by the child; every other pipe is read by the service.
        fd = i === 0 ? r : w;
        kept.push({ index: i, fd: i === 0 ? w : r });
      } else {
        // At or above 10: never one of the child's stdio slots, so every adddup2 below really duplicates.
        fd = lc.fcntl(s, F_DUPFD_CLOEXEC, 'int', 10);
        if (fd < 0) throw new Error(`fcntl(${s}, F_DUPFD_CLOEXEC): errno ${lc.errno()}`);
      }
      toClose.push(fd);
      check(lc.faDup2(fa, fd, i), 'adddup2');
    }
    if (o.cwd) check(lc.faChdir(fa, o.cwd), 'addchdir_np');
    lc.sigfill(sigs);
    lc.atSigdef(attr, sigs);
    lc.sigempty(sigs);
    lc.atSigmask(attr, sigs);
    lc.atFlags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (o.detached ? POSIX_SPAWN_SETSID : 0));
  } catch (e) {
    done();
    closeAll(kept.map((k) => k.fd));
    throw e;
  }
  const env = o.env ? envArray(o.env) : (processEnv ??= envArray(process.env));
  const child = new VforkChild(0);
  try {
    lc.spawn.async(pidBuf, file, fa, attr, [o.argv0 ?? file, ...args, null], env, (err: unknown, rc: number) => {
      done();
      if (err || rc !== 0) {
        for (const s of child.stdio) (s as Socket | null | undefined)?.destroy();
        neverRan(child, err ? 5 /* EIO */ : rc);
      } else {
        started(child, pidBuf.readInt32LE(0));
      }
    });
  } catch {
    // Not queued (koffi: too many asynchronous calls running, an argument it cannot convert): nothing of this
    // spawn stays; the caller falls back to Node's spawn.
    done();
    closeAll(kept.map((k) => k.fd));
    return null;
  }
  spawning(child);
  for (const k of kept) child.stdio[k.index] = new Socket({ fd: k.fd, readable: k.index !== 0, writable: k.index === 0 });
  child.stdin = (child.stdio[0] as Writable | undefined) ?? null;
  child.stdout = (child.stdio[1] as Readable | undefined) ?? null;
  child.stderr = (child.stdio[2] as Readable | undefined) ?? null;
  return child;
}

/** The service's own environment as envp, built once (the service never changes its environment). */
let processEnv: (string | null)[] | undefined;
function envArray(env: NodeJS.ProcessEnv): (string | null)[] {
  return [...Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`), null];
}

/** A posix_spawn_file_actions_* result (an errno number, 0 on success). */
function check(rc: number, what: string): void {
  if (rc !== 0) throw new Error(`posix_spawn_file_actions_${what}: ${errnoName(rc)}`);
}
