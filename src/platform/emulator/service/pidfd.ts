/**
 * Process file descriptors (Linux 5.3+, glibc 2.36+ through koffi): a pidfd names one process for good, so a
 * signal sent through it can never reach a later process that reused the pid. Null where they cannot be had.
 */
import { glibcTable } from '../../../util/glibc.js';

const SIGKILL = 9;

export interface PidfdOps {
  /** A pidfd of the process now holding `pid`; undefined when there is none (it exited) or it cannot be opened. */
  open(pid: number): number | undefined;
  /** SIGKILL through the pidfd; false when its process has exited (ESRCH) or the signal failed. */
  kill(fd: number): boolean;
  close(fd: number): void;
}

const load = glibcTable({
  open: 'int pidfd_open(int pid, unsigned int flags)',
  send: 'int pidfd_send_signal(int pidfd, int sig, void *info, unsigned int flags)',
  close: 'int close(int fd)',
});

let probed: PidfdOps | null | undefined;

export function pidfdOps(): PidfdOps | null {
  if (probed !== undefined) return probed;
  probed = null;
  const t = load();
  if (!t) return probed;
  const ops: PidfdOps = {
    open: (pid) => { const fd = t.open(pid, 0); return fd >= 0 ? fd : undefined; },
    kill: (fd) => t.send(fd, SIGKILL, null, 0) === 0,
    close: (fd) => { t.close(fd); },
  };
  // The kernel may lack the syscalls (ENOSYS) though glibc has the wrappers: our own pid must open.
  const self = ops.open(process.pid);
  if (self === undefined) return probed;
  ops.close(self);
  probed = ops;
  return probed;
}
