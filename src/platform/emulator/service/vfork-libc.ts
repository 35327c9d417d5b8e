/**
 * The glibc calls of vfork-spawn.ts through koffi: posix_spawn (glibc runs it as clone(CLONE_VM | CLONE_VFORK), so
 * starting a process costs no copy of the service's page tables, where libuv's fork copies them: 2–9 ms for a
 * Node process; called on a libuv pool thread, so only that thread waits for the child's exec), its file actions
 * and attributes, pipe2, fcntl (F_DUPFD_CLOEXEC) and waitpid. Null where koffi or glibc ≥ 2.29 (addchdir_np)
 * is not to be had: the caller then keeps Node's spawn.
 */
import { glibcTable } from '../../../util/glibc.js';

/** Sizes with room to spare (x86_64: 80, 336 and 128 bytes). */
export const FA_SIZE = 256;
export const ATTR_SIZE = 512;
export const SIGSET_SIZE = 256;
export const POSIX_SPAWN_SETSIGDEF = 0x04;
export const POSIX_SPAWN_SETSIGMASK = 0x08;
export const POSIX_SPAWN_SETSID = 0x80;
export const O_CLOEXEC = 0o2000000;
export const WNOHANG = 1;
export const ECHILD = 10;
export const F_DUPFD_CLOEXEC = 1030;

const load = glibcTable({
  spawn: 'int posix_spawn(void *pid, const char *path, void *fa, void *attr, const char **argv, const char **envp)',
  faInit: 'int posix_spawn_file_actions_init(void *fa)',
  faDestroy: 'int posix_spawn_file_actions_destroy(void *fa)',
  faDup2: 'int posix_spawn_file_actions_adddup2(void *fa, int fd, int newfd)',
  faOpen: 'int posix_spawn_file_actions_addopen(void *fa, int fd, const char *path, int oflag, int mode)',
  faChdir: 'int posix_spawn_file_actions_addchdir_np(void *fa, const char *path)',
  atInit: 'int posix_spawnattr_init(void *attr)',
  atDestroy: 'int posix_spawnattr_destroy(void *attr)',
  atFlags: 'int posix_spawnattr_setflags(void *attr, short flags)',
  atSigdef: 'int posix_spawnattr_setsigdefault(void *attr, void *set)',
  atSigmask: 'int posix_spawnattr_setsigmask(void *attr, void *set)',
  sigfill: 'int sigfillset(void *set)',
  sigempty: 'int sigemptyset(void *set)',
  pipe2: 'int pipe2(void *fds, int flags)',
  waitpid: 'int waitpid(int pid, void *status, int options)',
  close: 'int close(int fd)',
  fcntl: 'int fcntl(int fd, int cmd, ...)',
}, 'WINCRI_EMULATOR_VFORK');
export type Libc = NonNullable<ReturnType<typeof load>>;

export function vforkLibc(): Libc | null { return load(); }
