/*
 * The advapi32 event-logging exports the Windows backend binds (src/platform/windows/ffi/eventlog.ts), for the
 * tests: RegisterEventSourceW hands out a handle per source (NULL for the source name "refused"), ReportEventW
 * records each event as a JSON line {"source","type","category","id","strings":[…]} (strings UTF-16 → UTF-8), and
 * DeregisterEventSource closes the handle; calls with a closed or foreign handle fail and are counted.
 * Built with fakepin.c (it also stands in for kernel32).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))
typedef uint16_t WCHAR;
typedef struct { int magic; int open; char source[128]; } src_t;
#define MAGIC 0x45564c47

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static char *events; static size_t nevents, cap;
static int bad_handles, open_sources;

static void put(const char *s, size_t n) {
  if (nevents + n + 1 > cap) { cap = (nevents + n + 1) * 2; events = realloc(events, cap); }
  memcpy(events + nevents, s, n); nevents += n; events[nevents] = 0;
}
/* UTF-16 → UTF-8 as a JSON string literal (surrogate pairs combined). */
static void put_jstr(const WCHAR *w) {
  put("\"", 1);
  for (size_t i = 0; w && w[i]; i++) {
    uint32_t c = w[i];
    if (c >= 0xD800 && c < 0xDC00 && w[i + 1] >= 0xDC00 && w[i + 1] < 0xE000) { c = 0x10000 + ((c - 0xD800) << 10) + (w[i + 1] - 0xDC00); i++; }
    char b[8]; size_t n = 0;
    if (c == '"' || c == '\\') { b[n++] = '\\'; b[n++] = (char)c; }
    else if (c < 0x20) { static const char hx[] = "0123456789abcdef"; b[n++] = '\\'; b[n++] = 'u'; b[n++] = '0'; b[n++] = '0'; b[n++] = hx[c >> 4]; b[n++] = hx[c & 15]; }
    else if (c < 0x80) b[n++] = (char)c;
    else if (c < 0x800) { b[n++] = (char)(0xC0 | (c >> 6)); b[n++] = (char)(0x80 | (c & 0x3F)); }
    else if (c < 0x10000) { b[n++] = (char)(0xE0 | (c >> 12)); b[n++] = (char)(0x80 | ((c >> 6) & 0x3F)); b[n++] = (char)(0x80 | (c & 0x3F)); }
    else { b[n++] = (char)(0xF0 | (c >> 18)); b[n++] = (char)(0x80 | ((c >> 12) & 0x3F)); b[n++] = (char)(0x80 | ((c >> 6) & 0x3F)); b[n++] = (char)(0x80 | (c & 0x3F)); }
    put(b, n);
  }
  put("\"", 1);
}

EXPORT void *RegisterEventSourceW(const WCHAR *server, const WCHAR *source) {
  if (server || !source) return NULL;
  src_t *s = calloc(1, sizeof *s); s->magic = MAGIC; s->open = 1;
  size_t i = 0; for (; source[i] && i < sizeof s->source - 1; i++) s->source[i] = source[i] < 0x80 ? (char)source[i] : '?';
  if (strcmp(s->source, "refused") == 0) { free(s); return NULL; }
  pthread_mutex_lock(&mu); open_sources++; pthread_mutex_unlock(&mu);
  return s;
}

EXPORT int32_t ReportEventW(void *h, uint16_t type, uint16_t category, uint32_t id, void *sid, uint16_t nstrings,
                            uint32_t datasize, const WCHAR **strings, void *data) {
  src_t *s = h;
  pthread_mutex_lock(&mu);
  if (!s || s->magic != MAGIC || !s->open || (nstrings && !strings)) { bad_handles++; pthread_mutex_unlock(&mu); return 0; }
  char head[256];
  int n = snprintf(head, sizeof head, "{\"source\":\"%s\",\"type\":%u,\"category\":%u,\"id\":%u,\"sid\":%s,\"data\":%u,\"strings\":[",
    s->source, type, category, id, sid ? "true" : "false", datasize);
  put(head, (size_t)n);
  for (uint16_t i = 0; i < nstrings; i++) { if (i) put(",", 1); put_jstr(strings[i]); }
  put("]}\n", 3);
  pthread_mutex_unlock(&mu);
  (void)data;
  return 1;
}

EXPORT int32_t DeregisterEventSource(void *h) {
  src_t *s = h;
  pthread_mutex_lock(&mu);
  int ok = s && s->magic == MAGIC && s->open;
  if (ok) { s->open = 0; open_sources--; } else bad_handles++;
  pthread_mutex_unlock(&mu);
  return ok;
}

/* Test controls. */
EXPORT uint64_t FakeEventsLength(void) { pthread_mutex_lock(&mu); uint64_t n = nevents; pthread_mutex_unlock(&mu); return n; }
EXPORT uint64_t FakeEventsRead(uint8_t *buf, uint64_t len) {
  pthread_mutex_lock(&mu); uint64_t n = nevents < len ? nevents : len; if (n) memcpy(buf, events, n); pthread_mutex_unlock(&mu);
  return n;
}
EXPORT int FakeEventSourcesOpen(void) { return open_sources; }
EXPORT int FakeEventBadHandles(void) { return bad_handles; }
