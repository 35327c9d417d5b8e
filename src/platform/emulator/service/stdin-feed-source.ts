/**
 * C source of a helper's stdin feed (the namespace helper's waiter, ns-helper-spool-source.ts, and the pty
 * helper's relay, console-helper.ts): the program's stdin survives the emulator service. The service appends what
 * its attachment writes to spill segments `<IN>.<offset, base 36>.spill` and rings the doorbell, the FIFO at IN
 * (stdin-spool.ts); once the attachment closed stdin it writes `<IN>.eof` holding the stream's length. The feed
 * reads the segments from where it stands and writes them to the program's stdin (a pipe or a pty master,
 * non-blocking, one buffer pending); a segment read to its end is removed once its successor exists (that is the
 * service's window). It holds the doorbell read-write, so a dead service is no end of file: the program just waits
 * for input. The end is the .eof record reached: then the caller closes the program's stdin (a pipe) or types the
 * terminal's EOF character (a pty). A program that closed its stdin (EPIPE) makes the feed drop what follows, so
 * the service's window never stays full.
 */
export const STDIN_FEED_SOURCE = String.raw`
struct feed { int bell, seg, out; const char *name; long long off, base; char buf[65536]; size_t bn, bo; };
static struct feed feed = { -1, -1, -1 };

/* Before entering any namespace: the doorbell at PATH; the segments are in spool_dir (PATH's directory). */
static void feed_open(struct feed *f, const char *path) {
  spool_dir_open(path);
  const char *slash = strrchr(path, '/');
  f->name = slash ? slash + 1 : path;
  f->bell = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (f->bell < 0) die("cannot open", path);
}

static int feed_active(const struct feed *f) { return f->bell >= 0; }
static int feed_pending(const struct feed *f) { return f->bo < f->bn && f->out >= 0; }

/* Stops feeding; the program's stdin (a pipe's write end) closes: its end of file. */
static void feed_end(struct feed *f) {
  if (f->bell >= 0) close(f->bell);
  if (f->seg >= 0) close(f->seg);
  if (f->out >= 0) close(f->out);
  f->bell = f->seg = f->out = -1;
}

/* The length the .eof record names; -1 while there is none. */
static long long feed_eof(const struct feed *f) {
  char n[512], t[32] = { 0 };
  snprintf(n, sizeof n, "%s.eof", f->name);
  int fd = openat(spool_dir, n, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t r = read(fd, t, sizeof t - 1);
  close(fd);
  return r > 0 ? atoll(t) : -1;
}

/* Moves input on as far as it can without blocking; 1 once all of it went to the program and the client closed it. */
static int feed_step(struct feed *f) {
  char drain[256];
  while (read(f->bell, drain, sizeof drain) > 0) {}
  int looked = 0;
  for (;;) {
    if (f->bo < f->bn) {
      if (f->out < 0) { f->bo = f->bn = 0; continue; }
      ssize_t w = write(f->out, f->buf + f->bo, f->bn - f->bo);
      if (w < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
      if (w < 0) { close(f->out); f->out = -1; continue; } /* EPIPE: the program closed its stdin; what follows is dropped */
      f->bo += (size_t)w;
      if (f->bo < f->bn) return 0;
      f->bo = f->bn = 0;
    }
    char n[512];
    if (f->seg < 0) {
      seg_name(n, sizeof n, f->name, f->base);
      if ((f->seg = openat(spool_dir, n, O_RDONLY | O_CLOEXEC)) < 0) {
        /* No segment yet: a stdin closed before any byte has only its .eof record (naming where the feed stands). */
        long long end = feed_eof(f);
        return end >= 0 && f->off >= end;
      }
    }
    ssize_t r = pread(f->seg, f->buf, sizeof f->buf, f->off - f->base);
    if (r > 0) { f->bn = (size_t)r; f->bo = 0; f->off += r; continue; }
    /* This segment's end: its successor starts here once the service made it (never appending to this one again). */
    if (f->off > f->base) {
      seg_name(n, sizeof n, f->name, f->off);
      int s = openat(spool_dir, n, O_RDONLY | O_CLOEXEC);
      if (s >= 0) {
        seg_name(n, sizeof n, f->name, f->base);
        if (unlinkat(spool_dir, n, 0) < 0) { /* the service removes it with the process */ }
        close(f->seg);
        f->seg = s;
        f->base = f->off;
        continue;
      }
    }
    /* The record comes after the last byte: seen, every byte is readable; one more look takes bytes read late. */
    long long end = feed_eof(f);
    if (end >= 0 && f->off >= end) return 1;
    if (end < 0 || looked++) return 0;
  }
}
`;
