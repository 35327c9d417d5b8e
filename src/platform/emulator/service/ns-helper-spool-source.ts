/**
 * C source of the namespace helper's output spool (ns-helper-source.ts, `enter -o OUT -e ERR`): the helper, as
 * the program's waiter, owns the program's stdout and stderr. Each is a pipe whose read end only the waiter holds;
 * it appends what it reads to the stream's spill segments (spill.ts: `<OUT>.<offset, base 36>.spill`, a new one
 * once one holds SEGMENT bytes) and then rings the stream's doorbell: one byte written without blocking to the
 * FIFO at OUT, which the helper got as fd 1 (stderr: fd 2) and the service reads (spool-relay.ts). A full
 * doorbell means a ring is pending already. The service survives nothing of the data: the files are the only copy.
 *
 * Backpressure: the service removes segments all of whose bytes its attachment acknowledged; while the bytes from
 * the oldest segment still present to the end exceed WINDOW, the waiter stops reading that pipe (the program
 * blocks, nothing is dropped) and watches the directory (inotify, and a 100 ms poll) for removals.
 *
 * A failed write (ENOSPC, EIO, EDQUOT…) drops nothing: the waiter keeps the bytes it could not write, stops
 * reading that pipe (the program blocks) and retries every 100 ms and whenever the service removes a segment;
 * meanwhile each retry rings the doorbell with 0x80 | errno instead of 1, which the service logs
 * (spool-health.ts). The next successful write rings 1 again.
 *
 * stdin (-i): the program's stdin is a pipe too, which the waiter feeds from the files the service spools stdin to
 * (stdin-feed-source.ts), polled with the output pipes until the program exits.
 *
 * End: the waiter reads until both pipes end; it closes the doorbells (the service then sees the stream's end)
 * before it writes the exit status. When the program exits while a descendant still holds a pipe, the waiter
 * forks: the copy reads on until the end, the waiter reports the exit at once (as before).
 */
import { SPOOL_READ, SPOOL_WINDOW } from './spill.js';
import { NS_HELPER_SPOOL_WRITE_SOURCE } from './ns-helper-spool-write-source.js';
import { STDIN_FEED_SOURCE } from './stdin-feed-source.js';

export const NS_HELPER_SPOOL_SOURCE = String.raw`
#include <poll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>

#define WINDOW ${SPOOL_WINDOW}LL
#define CHUNK ${SPOOL_READ}

${NS_HELPER_SPOOL_WRITE_SOURCE}
${STDIN_FEED_SOURCE}
static struct spool sp[2] = { { -1, -1, -1 }, { -1, -1, -1 } };

/* The waiter's end of the program's pipe for stream K, non-blocking (enter() made the pipe 1 MiB large). */
static void spool_in(int k, int fd) {
  sp[k].in = fd;
  fcntl(fd, F_SETFL, O_NONBLOCK);
}

static int spooling(void) { return sp[0].seg >= 0 || sp[1].seg >= 0 || feed_active(&feed); }

/* A message of the helper's own goes where the program's stderr goes. */
static void spool_say(const char *msg) {
  struct spool *s = sp[1].seg >= 0 ? &sp[1] : sp[0].seg >= 0 ? &sp[0] : NULL;
  if (s) spool_put(s, msg, strlen(msg)); else if (write(2, msg, strlen(msg)) < 0) { /* nowhere to say it */ }
}

static void spool_end(struct spool *s) {
  if (s->in >= 0) close(s->in);
  if (s->seg >= 0) close(s->seg);
  if (s->bell >= 0) close(s->bell);
  s->in = s->seg = s->bell = -1;
}

/* A stream whose doorbell FIFO the service removed (it dropped the process: nobody will read the spool again)
   ends here, held bytes and all; without this a copy stalled on a full disk would wait forever, and one whose
   segments the service removed with the FIFO would take that as room and write new segments nobody removes.
   Looked at while stalled, after a removal in the spool directory and at the stream's end (not on every read).
   The service may remove the segments before the FIFO (a relay closed, then the process forgotten): what was
   written in between, taking that removal as room, nobody removes, so the waiter removes the segments it still
   knows of itself. */
static int spool_abandoned(struct spool *s) {
  struct stat b;
  if (s->bell < 0 || fstat(s->bell, &b) < 0 || b.st_nlink > 0) return 0;
  s->pn = 0;
  for (int i = 0; i < s->nb; i++) {
    char n[512];
    seg_name(n, sizeof n, s->name, s->bases[i]);
    if (unlinkat(spool_dir, n, 0) < 0 && errno != ENOENT) { /* the service's sweep takes it */ }
  }
  s->nb = 0;
  spool_end(s);
  return 1;
}

/*
 * Reads the pipes into their spools until both end; with SFD (a signalfd for SIGCHLD) also until child C exits
 * (its status in *ST, *EXITED set), after which it only takes what is ready now (timeout 0) and returns.
 */
static void spool_loop(int sfd, pid_t c, int *st, int *exited) {
  static char buf[CHUNK];
  int removed = 0;
  for (;;) {
    struct pollfd p[6];
    int n = 0, blocked = 0, open = 0, at[2] = { -1, -1 }, fi = -1;
    for (int k = 0; k < 2; k++) {
      if (sp[k].in < 0) continue;
      spool_retry(&sp[k]);
      int stalled = sp[k].pn > 0 || spool_unacked(&sp[k]) >= WINDOW;
      if ((stalled || removed) && spool_abandoned(&sp[k])) continue;
      open++;
      if (stalled) { blocked = 1; continue; }
      at[k] = n;
      p[n].fd = sp[k].in; p[n].events = POLLIN; n++;
    }
    removed = 0;
    if (open == 0 && (sfd < 0 || *exited)) return;
    int si = -1, wi = -1;
    if (sfd >= 0 && !*exited) { si = n; p[n].fd = sfd; p[n].events = POLLIN; n++; }
    if (blocked && spool_watch >= 0) { wi = n; p[n].fd = spool_watch; p[n].events = POLLIN; n++; }
    /* stdin: the doorbell, and the program's pipe while a buffer waits for room there (fed whether or not a
       signalfd watches the program: spooling() includes the feed, so the waiter always has one then). */
    int fo = -1;
    if (feed_active(&feed)) {
      fi = n; p[n].fd = feed.bell; p[n].events = POLLIN; n++;
      if (feed_pending(&feed)) { fo = n; p[n].fd = feed.out; p[n].events = POLLOUT; n++; }
    }
    int r = poll(p, (nfds_t)n, *exited && sfd >= 0 ? 0 : blocked ? 100 : -1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0 && *exited && sfd >= 0) return;
    if (r < 0) return;
    if (fi >= 0 && (p[fi].revents || (fo >= 0 && p[fo].revents)) && feed_step(&feed) == 1) feed_end(&feed);
    if (wi >= 0 && p[wi].revents) { char e[4096]; while (read(spool_watch, e, sizeof e) > 0) {} removed = 1; }
    if (si >= 0 && p[si].revents) {
      struct signalfd_siginfo i;
      while (read(sfd, &i, sizeof i) > 0) {}
      if (waitpid(c, st, WNOHANG) == c) *exited = 1;
    }
    for (int k = 0; k < 2; k++) {
      if (at[k] < 0 || !p[at[k]].revents) continue;
      ssize_t got = read(sp[k].in, buf, sizeof buf);
      if (got > 0) spool_put(&sp[k], buf, (size_t)got);
      /* At the end too: a process the service forgot meanwhile (its FIFO removed, its segments swept) leaves
         what was written after the sweep to the waiter. */
      else if (got == 0 || (errno != EINTR && errno != EAGAIN)) { if (!spool_abandoned(&sp[k])) spool_end(&sp[k]); }
    }
  }
}

/* The waiter's part after the fork: spool until the program exits; its status once the pipes ended or handed on. */
static int spool_wait(int sfd, pid_t c) {
  int st = 0, exited = 0;
  spool_loop(sfd, c, &st, &exited);
  if (!exited) st = wait_for(c);
  if (sp[0].in >= 0 || sp[1].in >= 0) {
    /* A descendant holds a pipe: a copy reads on until it ends; the exit is reported now. The copy holds host
       directories (spool, exits): it is forked into the helper's own PID namespace, so the system's processes
       cannot see it (no /proc/<copy>/fd/<n>/.. path out of the root), and keeps only what it needs. */
    if (host_pidns >= 0 && setns(host_pidns, CLONE_NEWPID) < 0) {
      spool_say("wincri-ns: cannot leave the system's PID namespace; output after the exit is dropped\n");
    } else {
      pid_t f = fork();
      if (f == 0) {
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (sfd >= 0) close(sfd);
        feed_end(&feed);
        if (status_dir >= 0) close(status_dir);
        if (host_pidns >= 0) close(host_pidns);
        spool_loop(-1, 0, &st, &exited);
        _exit(0);
      }
    }
  }
  spool_end(&sp[0]);
  spool_end(&sp[1]);
  feed_end(&feed);
  return st;
}
`;
