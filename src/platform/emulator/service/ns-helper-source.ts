/**
 * Source of the emulator's namespace helper (compiled by ns-helper.ts with the host C compiler at first use),
 * which replaces the shell, util-linux and coreutils chains of isolation.ts by one process each:
 *
 *   wincri-ns enter -t HOLDER -w CWD [-s STATUS] [-p FD] [-o OUT] [-e ERR] [-i IN] [-c CGROUP.PROCS]... -- FILE [ARG...]
 *     opens the cgroups' procs files and the holder's namespaces and root, enters them (net, uts, pid, mnt), chroots
 *     to the holder's root and changes to CWD resolved there (so `..` cannot climb out), forks; the child makes itself
 *     a session and process group leader (on a console: with the terminal as its controlling one, the waiter then
 *     ignores the terminal's signals), joins the cgroups (the waiter stays in the service's) and execs FILE (PATH
 *     search). Once the exec happened (a close-on-exec pipe), the child's host pid goes to FD as "PID\n"; a failure
 *     before (setup, chdir, cgroup, exec) goes there as "E ERRNO STAGE\n" (pid-pipe.ts). The helper waits for the
 *     child, writes its status to STATUS ("exit N" / "signal N", a temp file renamed) and exits the same way
 *     (re-raising the signal). With -o/-e the program's stdout/stderr are pipes the helper spools to files (ns-helper-spool-source.ts);
 *     with -i its stdin is a pipe the helper feeds from the files the service spools stdin to (stdin-feed-source.ts).
 *
 *   wincri-ns holder -r ROOT -m MOUNTS [-h HOSTNAME] [-n NETNS] [-j JOIN] [-c CGROUP.PROCS]...
 *     enters NETNS (a file such as /run/netns/x) or JOIN's pid/uts/net namespaces, unshares a mount namespace
 *     (and, without JOIN, PID and UTS), makes mounts slaves, forks the holder (which the parent moves into the
 *     cgroups meanwhile): it sets the hostname, performs the mounts of MOUNTS (mount-table.ts, mountListText) with mount(2), chroots to ROOT and reaps orphans forever (PID 1). The parent
 *     prints "PID\nready\n" (the holder's host pid) once the holder is set up, then waits for it. A failure is
 *     reported on stderr as one line "wincri-ns-error CLASS ERRNO STEP" (holder-errors.ts) before the message a
 *     person reads.
 */
import { NS_HELPER_SPOOL_SOURCE } from './ns-helper-spool-source.js';
import { NS_HELPER_HOLDER_SOURCE } from './ns-helper-holder-source.js';
import { NS_HELPER_STATUS_SOURCE } from './ns-helper-status-source.js';

export const NS_HELPER_SOURCE = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXCG 8
static const char *opt[128];
static const char *cgs[MAXCG];
static int ncg = 0;
/* enter: the helper's own PID namespace (the host's) and the status directory, for the spool's copy. */
static int host_pidns = -1, status_dir = -1;

static void spool_say(const char *msg);
/* enter: the pid pipe (-p), on which a failure before the program runs is reported as "E ERRNO STAGE\n". */
static int pid_out = -1;
static const char *stage = "setup";

/* holder: the class of the step under way, reported on failure as "wincri-ns-error CLASS ERRNO STEP" (holder-errors.ts). */
static const char *fail_class = NULL;
static void step(const char *cls, const char *name) { fail_class = cls; stage = name; }

static void die(const char *what, const char *arg) {
  int e = errno;
  if (pid_out >= 0) { dprintf(pid_out, "E %d %s\n", e, stage); close(pid_out); pid_out = -1; }
  if (fail_class) dprintf(2, "wincri-ns-error %s %d %s\n", fail_class, e, stage);
  errno = e;
  char m[4400];
  snprintf(m, sizeof m, "wincri-ns: %s%s%s: %s\n", what, arg ? " " : "", arg ? arg : "", strerror(errno));
  spool_say(m);
  exit(1);
}

/* -X VALUE options until "--" or the end; returns the index after them. */
static int parse(int argc, char **argv, int i) {
  for (; i < argc; i += 2) {
    if (strcmp(argv[i], "--") == 0) return i + 1;
    if (argv[i][0] != '-' || i + 1 >= argc) { fprintf(stderr, "wincri-ns: bad argument %s\n", argv[i]); exit(1); }
    unsigned char k = (unsigned char)argv[i][1];
    if (k == 'c') { if (ncg < MAXCG) cgs[ncg++] = argv[i + 1]; } else if (k < 128) opt[k] = argv[i + 1];
  }
  return i;
}

static int open_proc(const char *pid, const char *what) {
  char p[96];
  snprintf(p, sizeof p, "/proc/%s/%s", pid, what);
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("cannot open", p);
  return fd;
}

static void enter_ns(int fd, int type, const char *name) {
  if (setns(fd, type) < 0) die("setns", name);
  close(fd);
}
${NS_HELPER_STATUS_SOURCE}
static int wait_for(pid_t pid) {
  int st;
  while (waitpid(pid, &st, 0) < 0) if (errno != EINTR) return 255 << 8;
  return st;
}
${NS_HELPER_SPOOL_SOURCE}
static int enter(int argc, char **argv) {
  int i = parse(argc, argv, 2);
  const char *t = opt['t'], *cwd = opt['w'] ? opt['w'] : "/", *status = opt['s'];
  if (!t || i >= argc) { fprintf(stderr, "usage: wincri-ns enter -t PID -w CWD [-s STATUS] [-p FD] [-o OUT] [-e ERR] [-i IN] [-c FILE]... -- FILE [ARG...]\n"); return 1; }
  int pidfd = opt['p'] ? atoi(opt['p']) : -1;
  if (pidfd >= 0) fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  pid_out = pidfd;
  /* Not dumpable: processes of the system cannot ptrace it or open its fds through /proc (it holds host dirs). */
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  int sdir = -1;
  const char *sname = NULL;
  if (status) {
    const char *slash = strrchr(status, '/');
    char d[4096];
    snprintf(d, sizeof d, "%.*s", slash ? (int)(slash - status) : 1, slash ? status : ".");
    sdir = open(d[0] ? d : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (sdir < 0) die("cannot open", d[0] ? d : "/");
    sname = slash ? slash + 1 : status;
  }
  spool_start(&sp[0], opt['o'], 1);
  spool_start(&sp[1], opt['e'], 2);
  if (opt['i']) feed_open(&feed, opt['i']);
  /* The program joins the cgroups, not the waiter: the system's OOM killer or pids.max must not kill the only
     reader of the program's pipes. Opened here, where the paths are the host's; written by the child. */
  int cgfd[MAXCG];
  stage = "cgroup";
  for (int k = 0; k < ncg; k++) if ((cgfd[k] = open(cgs[k], O_WRONLY | O_CLOEXEC)) < 0) die("cannot open", cgs[k]);
  stage = "setup";
  int net = open_proc(t, "ns/net"), uts = open_proc(t, "ns/uts"), pidns = open_proc(t, "ns/pid");
  int mnt = open_proc(t, "ns/mnt"), root = open_proc(t, "root");
  host_pidns = open_proc("self", "ns/pid");
  status_dir = sdir;
  enter_ns(net, CLONE_NEWNET, "net");
  enter_ns(uts, CLONE_NEWUTS, "uts");
  enter_ns(pidns, CLONE_NEWPID, "pid");
  enter_ns(mnt, CLONE_NEWNS, "mnt");
  if (fchdir(root) < 0 || chroot(".") < 0) die("cannot change root", NULL);
  close(root);
  stage = "chdir";
  if (chdir(cwd) < 0) die("cannot change directory to", cwd);
  stage = "setup";
  int sync[2], outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, inp[2] = { -1, -1 };
  if (pipe2(sync, O_CLOEXEC) < 0) die("pipe", NULL);
  if (feed_active(&feed) && pipe2(inp, O_CLOEXEC) < 0) die("pipe", NULL);
  if (sp[0].seg >= 0 && pipe2(outp, O_CLOEXEC) < 0) die("pipe", NULL);
  if (sp[1].seg >= 0 && pipe2(errp, O_CLOEXEC) < 0) die("pipe", NULL);
  /* Larger pipes: fewer wake-ups of the waiter under a flood (best effort). */
  if (outp[0] >= 0) fcntl(outp[0], F_SETPIPE_SZ, 1 << 20);
  if (errp[0] >= 0) fcntl(errp[0], F_SETPIPE_SZ, 1 << 20);
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old);
  /* The waiter learns of the program's exit on a signalfd while it spools: made before the fork, so that a failure
     (EMFILE, ENOMEM) fails the start instead of leaving a waiter that reports the exit only once the pipes end. */
  int sfd = -1;
  if (spooling() && (sfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) die("signalfd", NULL);
  int tty = isatty(0);
  pid_t c = fork();
  if (c < 0) die("fork", NULL);
  if (c == 0) {
    close(sync[0]);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (outp[1] >= 0) dup2(outp[1], 1);
    if (errp[1] >= 0) dup2(errp[1], 2);
    if (inp[0] >= 0) dup2(inp[0], 0);
    setsid();
    /* A console: the terminal becomes the program's (taken from the helper's session), so ^C, hang-up and
       resizes reach the program's process group, not the helper. */
    if (tty && ioctl(0, TIOCSCTTY, 1) < 0) fprintf(stderr, "wincri-ns: cannot take the terminal: %s\n", strerror(errno));
    for (int k = 0; k < ncg; k++) {
      if (write(cgfd[k], "0", 1) == 1) continue;
      int e[2] = { errno, 1 };
      if (write(sync[1], e, sizeof e) < 0) { /* the parent reports the exit anyway */ }
      fprintf(stderr, "wincri-ns: cannot join cgroup %s: %s\n", cgs[k], strerror(e[0]));
      _exit(126);
    }
    execvp(argv[i], argv + i);
    int e[2] = { errno, 0 };
    if (write(sync[1], e, sizeof e) < 0) { /* the parent reports the exit anyway */ }
    fprintf(stderr, "%s: %s\n", argv[i], strerror(e[0]));
    _exit(e[0] == ENOENT ? 127 : 126);
  }
  close(sync[1]);
  for (int k = 0; k < ncg; k++) close(cgfd[k]);
  /* Terminal signals are the program's: the waiter (after the fork only, so the program inherits none) ignores them. */
  if (tty) { signal(SIGINT, SIG_IGN); signal(SIGQUIT, SIG_IGN); signal(SIGTSTP, SIG_IGN); signal(SIGHUP, SIG_IGN); }
  if (outp[1] >= 0) { close(outp[1]); spool_in(0, outp[0]); }
  if (errp[1] >= 0) { close(errp[1]); spool_in(1, errp[0]); }
  if (inp[0] >= 0) { close(inp[0]); feed.out = inp[1]; fcntl(inp[1], F_SETFL, O_NONBLOCK); }
  if (sfd < 0) sigprocmask(SIG_SETMASK, &old, NULL);
  signal(SIGPIPE, SIG_IGN); /* a service gone before reading the pid must not kill the waiting parent */
  /* [errno, stage] when the child failed before the exec (HcsCreateProcess fails), nothing once it exec'd. */
  int e[2];
  ssize_t got;
  while ((got = read(sync[0], e, sizeof e)) < 0 && errno == EINTR) {}
  close(sync[0]);
  if (pid_out >= 0) {
    if (got == (ssize_t)sizeof e) dprintf(pid_out, "E %d %s\n", e[0], e[1] ? "cgroup" : "exec");
    else dprintf(pid_out, "%d\n", (int)c);
    close(pid_out);
    pid_out = -1;
  }
  int st = spooling() ? spool_wait(sfd, c) : wait_for(c);
  write_status(sdir, sname, st);
  return exit_like(st);
}

${NS_HELPER_HOLDER_SOURCE}
int main(int argc, char **argv) {
  spawner = getppid();
  if (argc > 1 && strcmp(argv[1], "enter") == 0) return enter(argc, argv);
  if (argc > 1 && strcmp(argv[1], "holder") == 0) return holder(argc, argv);
  fprintf(stderr, "usage: wincri-ns enter|holder ...\n");
  return 1;
}
`;
