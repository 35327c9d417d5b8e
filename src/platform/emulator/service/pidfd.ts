/**
 * Process file descriptors (Linux 5.3+, glibc 2.36+ through koffi): a pidfd names one process for good, so a
 * signal sent through it can never reach a later process that reused the pid. Null where they cannot be had; a
 * probe that failed for a passing reason (out of file descriptors) is tried again on the next call.
 */
import { constants } from 'node:os';
import { glibcTable } from '../../../util/glibc.js';

const SIGKILL = 9;
const { ENOSYS, EPERM, EACCES, EINVAL } = constants.errno;
/** Probe failures that do not pass: no syscall in this kernel, or a seccomp/LSM policy refusing it. */
const PERMANENT = new Set([ENOSYS, EPERM, EACCES, EINVAL]);

/** A pidfd, or the errno that kept it (ESRCH: no process has the pid; EMFILE/ENFILE: no descriptor to spare …). */
export type PidfdOpen = { fd: number } | { errno: number };

export interface PidfdOps {
  open(pid: number): PidfdOpen;
  /** SIGKILL through the pidfd; false when its process has exited (ESRCH) or the signal failed. */
  kill(fd: number): boolean;
  close(fd: number): void;
}

/** The calls pidfdOps() uses, as glibc (through koffi) has them. */
export interface PidfdCalls {
  open(pid: number, flags: number): number;
  send(fd: number, sig: number, info: null, flags: number): number;
  close(fd: number): number;
  errno(): number;
}

const load = glibcTable({
  open: 'int pidfd_open(int pid, unsigned int flags)',
  send: 'int pidfd_send_signal(int pidfd, int sig, void *info, unsigned int flags)',
  close: 'int close(int fd)',
}) as () => PidfdCalls | null;

/** The pidfd getter over `calls`: the ops once our own pid opened, null for good once pidfds cannot be had. */
export function pidfdProbe(calls: () => PidfdCalls | null): () => PidfdOps | null {
  let probed: PidfdOps | null | undefined;
  return () => {
    if (probed !== undefined) return probed;
    const t = calls();
    if (!t) return (probed = null);
    const ops: PidfdOps = {
      open: (pid) => { const fd = t.open(pid, 0); return fd >= 0 ? { fd } : { errno: t.errno() }; },
      kill: (fd) => t.send(fd, SIGKILL, null, 0) === 0,
      close: (fd) => { t.close(fd); },
    };
    // The kernel may lack the syscalls (ENOSYS) though glibc has the wrappers: our own pid must open.
    const self = ops.open(process.pid);
    if ('errno' in self) {
      if (PERMANENT.has(self.errno)) probed = null;
      return null;
    }
    ops.close(self.fd);
    return (probed = ops);
  };
}

export const pidfdOps = pidfdProbe(load);
