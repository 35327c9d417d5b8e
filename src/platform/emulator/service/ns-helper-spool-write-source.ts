/**
 * C source of the spool's segments and writes (ns-helper-spool-source.ts describes the spool; it includes this):
 * naming and opening spill segments (spill.ts), appending a stream's output and ringing its doorbell, holding and
 * retrying bytes a failed write left (ENOSPC, EIO: reported on the doorbell as 0x80 | errno, spool-health.ts),
 * and the bytes on disk the service has not removed yet (the backpressure window).
 */
import { SEGMENT } from './spill.js';

export const NS_HELPER_SPOOL_WRITE_SOURCE = String.raw`
#define SEG ${SEGMENT}LL

/* pend/pn: bytes read from the pipe that a failed write left unwritten (err: its errno), written first. */
struct spool { int in, bell, seg; const char *name; long long off, segsz, bases[64]; int nb; char *pend; size_t pn, cap; int err; };
/* The spool directory (the stdio directory; opened before the helper changes its root) and its removal watch. */
static int spool_dir = -1, spool_watch = -1;
static void die(const char *what, const char *arg);

static void seg_name(char *buf, size_t n, const char *name, long long base) {
  char d[16];
  int k = 0;
  unsigned long long v = (unsigned long long)base;
  do { int x = (int)(v % 36); d[k++] = (char)(x < 10 ? '0' + x : 'a' + x - 10); v /= 36; } while (v);
  /* A name too long for BUF is cut (snprintf returns the length it wanted): room stays for digits and ".spill". */
  int j = snprintf(buf, n, "%s.", name);
  if (j < 0) j = 0;
  if (j > (int)n - 8) j = (int)n - 8;
  while (k > 0 && j < (int)n - 8) buf[j++] = d[--k];
  snprintf(buf + j, n - (size_t)j, ".spill");
}

static int seg_open(struct spool *s) {
  char n[512];
  seg_name(n, sizeof n, s->name, s->off);
  int fd = openat(spool_dir, n, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  if (s->seg >= 0) close(s->seg);
  s->seg = fd;
  s->segsz = 0;
  if (s->nb == 64) memmove(s->bases, s->bases + 1, (size_t)--s->nb * sizeof s->bases[0]);
  s->bases[s->nb++] = s->off;
  return 0;
}

static void spool_ring(struct spool *s, char c) {
  if (write(s->bell, &c, 1) < 0) { /* EAGAIN: a ring is pending */ }
}

/* Appends to the newest segment (a full one is followed by a new, empty one at once); returns the bytes written. */
static size_t spool_write(struct spool *s, const char *b, size_t n) {
  size_t done = 0;
  while (done < n && s->seg >= 0) {
    ssize_t w = write(s->seg, b + done, n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) { s->err = w < 0 ? errno : EIO; break; }
    done += (size_t)w; s->off += w; s->segsz += w;
  }
  if (s->segsz >= SEG) seg_open(s);
  return done;
}

/* Keeps what could not be written (behind what is kept already) and reports the failure on the doorbell. */
static void spool_hold(struct spool *s, const char *b, size_t n) {
  /* Cannot overflow for the program's output (one read at most while nothing is held); a helper message past
     the room is cut. */
  if (n > s->cap - s->pn) n = s->cap - s->pn;
  memcpy(s->pend + s->pn, b, n);
  s->pn += n;
  spool_ring(s, (char)(0x80 | (s->err & 0x7f)));
}

/* Output of stream S: written, or held while an earlier write failed; then rings. */
static void spool_put(struct spool *s, const char *b, size_t n) {
  size_t done = s->pn > 0 ? 0 : spool_write(s, b, n);
  if (done < n) spool_hold(s, b + done, n - done); else spool_ring(s, 1);
}

/* Retries the held bytes; the stream is read again once none are left. */
static void spool_retry(struct spool *s) {
  if (s->pn == 0) return;
  size_t done = spool_write(s, s->pend, s->pn);
  memmove(s->pend, s->pend + done, s->pn - done);
  s->pn -= done;
  if (done > 0) spool_ring(s, 1);
  if (s->pn > 0) spool_ring(s, (char)(0x80 | (s->err & 0x7f)));
}

/* Bytes on disk the service has not removed: from the oldest segment still present to the end. Below the window
   (counting every segment made) that bound is all the caller needs: the directory is only looked at above it. */
static long long spool_unacked(struct spool *s) {
  char n[512];
  while (s->nb > 1 && s->off - s->bases[0] >= WINDOW) {
    seg_name(n, sizeof n, s->name, s->bases[0]);
    if (faccessat(spool_dir, n, F_OK, 0) == 0 || errno != ENOENT) break;
    memmove(s->bases, s->bases + 1, (size_t)--s->nb * sizeof s->bases[0]);
  }
  return s->off - s->bases[0];
}

/* The directory of PATH as spool_dir (once), watched for removals. */
static void spool_dir_open(const char *path) {
  if (spool_dir >= 0) return;
  const char *slash = strrchr(path, '/');
  char d[4096];
  snprintf(d, sizeof d, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
  spool_dir = open(d[0] ? d : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (spool_dir < 0) die("cannot open", d);
  spool_watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (spool_watch >= 0 && inotify_add_watch(spool_watch, d[0] ? d : "/", IN_DELETE) < 0) { close(spool_watch); spool_watch = -1; }
}

/* Before entering any namespace (the paths are the host's): the spool S of the stream at PATH, doorbell fd BELL. */
static void spool_start(struct spool *s, const char *path, int bell) {
  if (!path) return;
  spool_dir_open(path);
  const char *slash = strrchr(path, '/');
  s->name = slash ? slash + 1 : path;
  s->bell = bell;
  /* Room for what one failed write can leave: a read's CHUNK (the pipe is not read while bytes are held) and
     the helper's own messages; taken now, so holding never needs an allocation that could fail. */
  s->cap = CHUNK + 4096;
  s->pend = malloc(s->cap);
  if (!s->pend) die("cannot allocate the spool buffer of", path);
  fcntl(bell, F_SETFL, fcntl(bell, F_GETFL) | O_NONBLOCK);
  if (seg_open(s) < 0) die("cannot create spill of", path);
}
`;
