/**
 * Source of the emulator's pseudo-terminal helper (compiled by console.ts with the host C compiler at first use;
 * Node has no pty API and koffi belongs to platform/windows only).
 *
 *   wincri-pty [-o OUT] [-i IN] ROWS COLS ARGV0 FILE [ARG...]
 *
 * The helper opens a pty pair, forks a relay, and then *becomes* FILE (execvp, argv[0] = ARGV0) with the slave
 * as controlling terminal and stdin/stdout/stderr — so the pid the emulator recorded is the program's, it is the
 * session leader (the emulator spawns it detached) and its process group is the terminal's foreground group.
 * The relay moves to a process group of its own before the program runs (signals to the container's groups, and
 * the SIGHUP the end of the session leader sends to the terminal's foreground group, do not reach it) and copies
 *   fd 0 (when it is a pipe/socket)  → master; on EOF it types the terminal's EOF character (VEOF, ^D) once
 *   master                           → fd 1 (the stdout pipe): the terminal output, stderr included
 *   fd 3 lines "ROWS COLS\n"         → ioctl(TIOCSWINSZ) on the master: the kernel sends SIGWINCH
 * until the master reports EIO/HUP (every slave descriptor closed: the program and whatever inherited the
 * terminal are gone), so the output pipe reaches EOF only after the last byte of terminal output. Other descriptors
 * the helper was given (the namespace helper's pid pipe, fd 4) are the program's: the relay closes its copies.
 * Writes to the master are non-blocking with one pending buffer, so a program that does not read its input
 * never stops the relay from draining its output.
 *
 * The relay outlives the emulator service, so with -o/-i it keeps the terminal's streams across a service kill:
 *   -o OUT  the terminal output goes to OUT's spill segments and rings the doorbell on fd 1 (the FIFO at OUT), as
 *           the namespace helper's waiter spools a program's pipes (ns-helper-spool-source.ts; the service relays
 *           the files, spool-relay.ts); past the window of unremoved bytes it stops reading the master (the program
 *           blocks on its terminal, nothing is dropped);
 *   -i IN   the input comes from the files the service spools stdin to (stdin-feed-source.ts) instead of fd 0; the
 *           .eof record reached types the EOF character.
 */
import { PTY_SPOOL_SOURCE } from './console-spool-source.js';

export const PTY_HELPER_SOURCE = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

${PTY_SPOOL_SOURCE}
static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) { if (errno == EINTR) continue; return -1; }
    p += w; n -= (size_t)w;
  }
  return 0;
}

static void apply_size(int master, const char *line) {
  int rows = 0, cols = 0;
  if (sscanf(line, "%d %d", &rows, &cols) != 2 || rows <= 0 || cols <= 0) return;
  struct winsize ws = { (unsigned short)rows, (unsigned short)cols, 0, 0 };
  ioctl(master, TIOCSWINSZ, &ws);
}

/* The feed's copy of the master (made before the program starts: a failure fails the start, never drops input). */
static int feed_copy = -1;

static void relay(int master) {
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  struct stat st;
  int in_open = !feed_active(&feed) && fstat(0, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
  int ctl_open = fcntl(3, F_GETFD) != -1, out_ok = 1, eof_pending = 0;
  /* The feed writes to a copy of the master: its end closes the copy, never the terminal. This first step takes
     what the service spooled before the relay ran (on a busy host: all of stdin and its end) and drains the
     doorbell those writes rang, so nothing rings again: an end it finds is acted on here, as in the loop. */
  if (feed_active(&feed)) {
    feed.out = feed_copy;
    if (feed_step(&feed) == 1) { feed_end(&feed); eof_pending = 1; }
  }
  char pend[65536]; size_t pend_len = 0, pend_off = 0;
  static char buf[CHUNK];
  char ctl[256]; size_t ctl_len = 0;
  for (;;) {
    /* A spooled output past its window (or with bytes a failed write left) is not read: the program blocks. */
    if (out.seg >= 0) spool_retry(&out);
    int blocked = out.seg >= 0 && (out.pn > 0 || spool_unacked(&out) >= WINDOW);
    if (blocked && out_abandoned()) { blocked = 0; out_ok = 0; }
    int feeding = feed_active(&feed);
    struct pollfd fds[4];
    int n = 0, im = -1, ii = -1, ic = -1, ib = -1;
    short want = (short)((blocked ? 0 : POLLIN) | ((pend_len > pend_off || eof_pending || (feeding && feed_pending(&feed))) ? POLLOUT : 0));
    /* Blocked, the master is not polled at all (its hang-up would wake the loop at once, again and again). */
    fds[n].fd = blocked ? -1 : master; fds[n].events = want; fds[n].revents = 0; im = n++;
    if (in_open && pend_len == pend_off && !eof_pending) { fds[n].fd = 0; fds[n].events = POLLIN; ii = n++; }
    if (ctl_open) { fds[n].fd = 3; fds[n].events = POLLIN; ic = n++; }
    if (feeding) { fds[n].fd = feed.bell; fds[n].events = POLLIN; ib = n++; }
    if (poll(fds, (nfds_t)n, blocked ? 100 : -1) < 0) { if (errno == EINTR) continue; break; }
    if (feeding && (blocked || (ib >= 0 && fds[ib].revents) || (fds[im].revents & POLLOUT)) && feed_step(&feed) == 1) {
      feed_end(&feed);
      eof_pending = 1;
    }
    if (!blocked && (fds[im].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t r = read(master, buf, sizeof buf);
      if (r > 0) {
        if (out.seg >= 0) spool_put(&out, buf, (size_t)r);
        else if (out_ok && write_all(1, buf, (size_t)r) < 0) out_ok = 0;
      }
      else if (r == 0 || (errno != EAGAIN && errno != EINTR)) break;
    }
    if (fds[im].revents & POLLOUT) {
      if (pend_len > pend_off) {
        ssize_t w = write(master, pend + pend_off, pend_len - pend_off);
        if (w > 0) pend_off += (size_t)w;
        if (pend_off == pend_len) pend_off = pend_len = 0;
      } else if (eof_pending) {
        struct termios t;
        char c = (tcgetattr(master, &t) == 0 && t.c_cc[VEOF]) ? (char)t.c_cc[VEOF] : 4;
        if (write(master, &c, 1) == 1) eof_pending = 0;
      }
    }
    if (ii >= 0 && (fds[ii].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t r = read(0, pend, sizeof pend);
      if (r > 0) { pend_len = (size_t)r; pend_off = 0; }
      else if (r == 0 || (errno != EAGAIN && errno != EINTR)) { in_open = 0; eof_pending = 1; }
    }
    if (ic >= 0 && (fds[ic].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t r = read(3, ctl + ctl_len, sizeof ctl - 1 - ctl_len);
      if (r <= 0) { if (r == 0 || (errno != EAGAIN && errno != EINTR)) { ctl_open = 0; close(3); } }
      else {
        ctl_len += (size_t)r;
        char *nl;
        while ((nl = memchr(ctl, '\n', ctl_len)) != NULL) {
          *nl = 0;
          apply_size(master, ctl);
          size_t used = (size_t)(nl - ctl) + 1;
          memmove(ctl, ctl + used, ctl_len - used);
          ctl_len -= used;
        }
        if (ctl_len == sizeof ctl - 1) ctl_len = 0;
      }
    }
  }
  /* The output's end: what a failed write still holds is tried once more, then the doorbell closes (fd 1 and
     fd 2 are the FIFO: the service sees the end once both are closed). */
  if (out.seg >= 0) { spool_retry(&out); spool_end_out(); }
}

/* Descriptors the spawner passed beyond stdio and the control pipe (fd 4: the namespace helper's pid pipe, which
   the program's wrapper reports its pid on). The relay needs none of them: a copy it held would keep such a pipe
   open after the wrapper closed its end, for as long as the terminal lives. Noted before the helper opens any. */
#define MAX_PASSED 64
static int passed[MAX_PASSED], npassed;
static void note_passed(void) {
  for (int fd = 4; fd < 1024 && npassed < MAX_PASSED; fd++) if (fcntl(fd, F_GETFD) != -1) passed[npassed++] = fd;
}

int main(int argc, char **argv) {
  note_passed();
  const char *outp = NULL, *inp = NULL;
  while (argc > 2 && argv[1][0] == '-' && argv[1][1] && !argv[1][2]) {
    if (argv[1][1] == 'o') outp = argv[2]; else if (argv[1][1] == 'i') inp = argv[2]; else break;
    argv += 2; argc -= 2;
  }
  if (argc < 5) { fprintf(stderr, "usage: wincri-pty [-o OUT] [-i IN] ROWS COLS ARGV0 FILE [ARG...]\n"); return 125; }
  if (outp) spool_start(&out, outp, 1);
  if (inp) feed_open(&feed, inp);
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) { perror("wincri-pty: posix_openpt"); return 125; }
  const char *name = ptsname(master);
  int slave = name ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
  if (slave < 0) { perror("wincri-pty: open slave"); return 125; }
  if (inp && (feed_copy = fcntl(master, F_DUPFD_CLOEXEC, 0)) < 0) { perror("wincri-pty: dup master for stdin"); return 125; }
  struct winsize ws = { 24, 80, 0, 0 };
  if (atoi(argv[1]) > 0) ws.ws_row = (unsigned short)atoi(argv[1]);
  if (atoi(argv[2]) > 0) ws.ws_col = (unsigned short)atoi(argv[2]);
  ioctl(slave, TIOCSWINSZ, &ws);
  /* The relay must be out of the program's process group before the program can end: when a session leader
   * ends, the kernel sends SIGHUP to its terminal's foreground group, which would kill a relay still in it before
   * it copied the last output. Both sides move it (whichever runs first), it ignores SIGHUP from birth, and the
   * program gets the default disposition back. */
  signal(SIGHUP, SIG_IGN);
  pid_t pid = fork();
  if (pid < 0) { perror("wincri-pty: fork"); return 125; }
  if (pid == 0) {
    close(slave);
    for (int k = 0; k < npassed; k++) close(passed[k]);
    setpgid(0, 0);
    relay(master);
    _exit(0);
  }
  setpgid(pid, pid);
  signal(SIGHUP, SIG_DFL);
  close(master);
  if (feed_copy >= 0) close(feed_copy);
  close(3);
  setsid(); /* fails harmlessly when already a session leader (the emulator spawns detached) */
  if (ioctl(slave, TIOCSCTTY, 0) < 0) { perror("wincri-pty: TIOCSCTTY"); return 125; }
  if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0) { perror("wincri-pty: dup2"); return 125; }
  if (slave > 2) close(slave);
  char *file = argv[4];
  argv[4] = argv[3][0] ? argv[3] : file;
  execvp(file, argv + 4);
  fprintf(stderr, "%s: %s\n", file, strerror(errno));
  return errno == ENOENT ? 127 : 126;
}
`;
