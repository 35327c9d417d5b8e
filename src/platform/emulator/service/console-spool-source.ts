/**
 * C source of the pty helper's spooling (console-helper.ts includes it; `-o OUT`, `-i IN`): the relay, which holds
 * the terminal's master and outlives the service, appends the terminal output to OUT's spill segments and rings
 * the doorbell on fd 1, with the namespace helper's spool writes (ns-helper-spool-write-source.ts), and feeds the
 * terminal's input from the files the service spools stdin to (stdin-feed-source.ts).
 */
import { SPOOL_READ, SPOOL_WINDOW } from './spill.js';
import { NS_HELPER_SPOOL_WRITE_SOURCE } from './ns-helper-spool-write-source.js';
import { STDIN_FEED_SOURCE } from './stdin-feed-source.js';

export const PTY_SPOOL_SOURCE = String.raw`
#include <sys/inotify.h>

#define WINDOW ${SPOOL_WINDOW}LL
#define CHUNK ${SPOOL_READ}

static void die(const char *what, const char *arg) {
  fprintf(stderr, "wincri-pty: %s %s: %s\n", what, arg ? arg : "", strerror(errno));
  exit(125);
}
${NS_HELPER_SPOOL_WRITE_SOURCE}
${STDIN_FEED_SOURCE}
static struct spool out = { -1, -1, -1 };

/* The service dropped the process (its doorbell FIFO is gone): nobody removes segments any more, so the relay
   stops spooling, removes the ones it made and discards the terminal's output instead of blocking the program. */
static int out_abandoned(void) {
  struct stat b;
  if (out.bell < 0 || fstat(out.bell, &b) < 0 || b.st_nlink > 0) return 0;
  for (int i = 0; i < out.nb; i++) {
    char n[512];
    seg_name(n, sizeof n, out.name, out.bases[i]);
    if (unlinkat(spool_dir, n, 0) < 0) { /* swept by the service */ }
  }
  close(out.seg);
  out.seg = -1;
  out.pn = 0;
  return 1;
}

static void spool_end_out(void) {
  if (out.seg >= 0) close(out.seg);
  out.seg = -1;
  close(1);
  close(2);
}
`;
