/**
 * C source of the namespace helper's exit status (ns-helper-source.ts, `enter -s STATUS`): once the program ended,
 * the waiter writes "exit N" / "signal N" to STATUS (a temp file renamed; synced only once the spawning service is
 * gone) and exits the same way as the program (re-raising its signal). Uses spool_say of ns-helper-spool-source.ts;
 * `spawner` is set by main.
 */
export const NS_HELPER_STATUS_SOURCE = String.raw`
static void status_fail(const char *what, const char *name) {
  char m[600];
  snprintf(m, sizeof m, "wincri-ns: %s exit status %s: %s\n", what, name, strerror(errno));
  spool_say(m);
}

/* The service that started this helper (its parent while that service lives). */
static pid_t spawner;

/*
 * STATUS as a temp file, renamed: a service restarted later reads the exit from it (exit-status.ts). While the
 * spawning service lives it is not synced: the service sees this exit itself (it waits for this process) and
 * records it, so a disk flush would only sit on the stop's critical path. Once that service is gone (re-parented:
 * getppid() is someone else) this file is the only record of the exit: it is synced, and its directory after the
 * rename, so a power cut before the next service reads it does not lose it.
 */
static void write_status(int dir, const char *name, int st) {
  if (dir < 0) return;
  char tmp[300];
  snprintf(tmp, sizeof tmp, "%s.tmp", name);
  int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) { status_fail("cannot create", tmp); return; }
  int w = WIFSIGNALED(st) ? dprintf(fd, "signal %d\n", WTERMSIG(st)) : dprintf(fd, "exit %d\n", WEXITSTATUS(st));
  if (w < 0) { status_fail("cannot write", tmp); close(fd); unlinkat(dir, tmp, 0); return; }
  int orphaned = getppid() != spawner;
  if (orphaned && fsync(fd) < 0) { status_fail("cannot sync", tmp); close(fd); unlinkat(dir, tmp, 0); return; }
  close(fd);
  if (renameat(dir, tmp, dir, name) < 0) { status_fail("cannot rename", tmp); unlinkat(dir, tmp, 0); return; }
  if (orphaned) fsync(dir);
}

static int exit_like(int st) {
  if (!WIFSIGNALED(st)) return WEXITSTATUS(st);
  int sig = WTERMSIG(st);
  struct rlimit none = { 0, 0 };
  setrlimit(RLIMIT_CORE, &none);
  signal(sig, SIG_DFL);
  sigset_t m;
  sigemptyset(&m);
  sigaddset(&m, sig);
  sigprocmask(SIG_UNBLOCK, &m, NULL);
  raise(sig);
  return 128 + sig;
}
`;
