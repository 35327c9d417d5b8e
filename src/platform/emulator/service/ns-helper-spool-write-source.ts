/**
 * C source of the spool's segments and writes (ns-helper-spool-source.ts describes the spool; it includes this):
 * naming and opening spill segments (spill.ts), appending a stream's output and ringing its doorbell, holding and
 * retrying bytes a failed write left (ENOSPC, EIO: reported on the doorbell as 0x80 | errno, spool-health.ts),
 * and the bytes on disk the service has not removed yet (the backpressure window).
 */
import { SEGMENT } from './spill.js';

export const NS_HELPER_SPOOL_WRITE_SOURCE = String.raw`
#define SEG ${SEGMENT}LL

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
`;
