/*
 * fakehcs: a Linux shared library exporting the computecore / computenetwork / computestorage / kernel32 /
 * advapi32 / ole32 / vmcompute / ucrtbase functions that wincri's Windows backend binds, with the same parameter
 * types (UTF-16 strings as uint16_t*, handles as void*, out-pointers, callbacks). The tests load the unchanged
 * koffi bindings against it.
 *
 * It is a small stateful stand-in for the services, not a reimplementation of them:
 *  - every call is recorded (function name + its string arguments, UTF-8) in a log the test reads;
 *  - compute systems keep a Created/Running/Paused/Stopped state machine; processes are real Linux processes
 *    (posix_spawnp of the CommandLine split by Windows rules) whose stdio pipe fds are handed out as the HANDLEs of
 *    HCS_PROCESS_INFORMATION; a reaper thread per process reports ProcessExited on the process callbacks;
 *  - every HCS_OPERATION completes on a separate thread (optionally after a delay), which invokes the operation's
 *    completion callback from that foreign thread, as HCS does; HcsClose* drain in-flight event callbacks;
 *  - HCN networks/endpoints/namespaces/load balancers are JSON documents keyed by GUID;
 *  - scripted failures (FakeFail) make the next call(s) of a named function fail with an HRESULT and an error
 *    document (HCS ResultError / HCN error record);
 *  - every string handed out is tracked with the function that must free it (LocalFree for computecore /
 *    computestorage / security descriptors, CoTaskMemFree for computenetwork); frees of unknown pointers, double
 *    frees and frees with the wrong function are counted as errors.
 * The JSON handling is deliberately naive (key search by name); the documents come from wincri's own builders.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
typedef int32_t HRESULT;
typedef uint16_t WCHAR;
typedef void *HANDLE;

#define S_OK 0
#define E_INVALIDARG ((HRESULT)0x80070057)
#define E_NOTIMPL ((HRESULT)0x80004001)
#define E_HANDLE ((HRESULT)0x80070006)
#define E_POINTER ((HRESULT)0x80004003)
#define ERROR_NOT_FOUND_HR ((HRESULT)0x80070490)
#define ERROR_OBJECT_ALREADY_EXISTS_HR ((HRESULT)0x80071392)
#define HCS_E_INVALID_STATE ((HRESULT)0x80370105)
#define HCS_E_INVALID_JSON ((HRESULT)0x8037010d)
#define HCS_E_SYSTEM_NOT_FOUND ((HRESULT)0x8037010e)
#define HCS_E_SYSTEM_ALREADY_EXISTS ((HRESULT)0x8037010f)
#define HCS_E_SYSTEM_ALREADY_STOPPED ((HRESULT)0x80370110)
#define HCS_E_OPERATION_NOT_STARTED ((HRESULT)0x80370115)
#define HCS_E_OPERATION_ALREADY_STARTED ((HRESULT)0x80370116)
#define HCS_E_OPERATION_PENDING ((HRESULT)0x80370117)
#define HCS_E_OPERATION_TIMEOUT ((HRESULT)0x80370118)
#define HCS_E_PROCESS_ALREADY_STOPPED ((HRESULT)0x8037011f)
#define HCN_E_NETWORK_NOT_FOUND ((HRESULT)0x803b0001)
#define HCN_E_ENDPOINT_NOT_FOUND ((HRESULT)0x803b0002)
#define HCN_E_NETWORK_ALREADY_EXISTS ((HRESULT)0x803b0010)
#define HCN_E_ENDPOINT_NAMESPACE_ALREADY_EXISTS ((HRESULT)0x803b002b)
#define HCN_E_ENDPOINT_NOT_ATTACHED ((HRESULT)0x803b0034)
#define HCN_E_INVALID_JSON ((HRESULT)0x803b001b)

static pthread_mutex_t g = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gcv = PTHREAD_COND_INITIALIZER;

/* ---------------------------------------------------------------- strings */

typedef struct { char *p; size_t n, cap; } sb_t;
static void sb_put(sb_t *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) { b->cap = (b->n + n + 1) * 2 + 64; b->p = realloc(b->p, b->cap); }
  memcpy(b->p + b->n, s, n); b->n += n; b->p[b->n] = 0;
}
static void sb_str(sb_t *b, const char *s) { sb_put(b, s, strlen(s)); }
static void sb_fmt(sb_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_fmt(sb_t *b, const char *fmt, ...) {
  char tmp[512]; va_list ap; va_start(ap, fmt); int n = vsnprintf(tmp, sizeof tmp, fmt, ap); va_end(ap);
  sb_put(b, tmp, n < (int)sizeof tmp ? (size_t)n : sizeof tmp - 1);
}
static void sb_jstr(sb_t *b, const char *s) { /* JSON string literal */
  sb_str(b, "\"");
  if (s) for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') { char e[3] = {'\\', (char)*p, 0}; sb_str(b, e); }
    else if (*p < 0x20) sb_fmt(b, "\\u%04x", *p);
    else sb_put(b, (const char *)p, 1);
  }
  sb_str(b, "\"");
}

/* UTF-16LE (host order) -> UTF-8, surrogate pairs combined; lone surrogates become U+FFFD. */
static char *u8(const WCHAR *w) {
  if (!w) return NULL;
  sb_t b = {0}; sb_put(&b, "", 0);
  for (size_t i = 0; w[i]; i++) {
    uint32_t c = w[i];
    if (c >= 0xD800 && c <= 0xDBFF && w[i + 1] >= 0xDC00 && w[i + 1] <= 0xDFFF) { c = 0x10000 + ((c - 0xD800) << 10) + (w[i + 1] - 0xDC00); i++; }
    else if (c >= 0xD800 && c <= 0xDFFF) c = 0xFFFD;
    char o[4]; size_t n;
    if (c < 0x80) { o[0] = (char)c; n = 1; }
    else if (c < 0x800) { o[0] = (char)(0xC0 | (c >> 6)); o[1] = (char)(0x80 | (c & 0x3F)); n = 2; }
    else if (c < 0x10000) { o[0] = (char)(0xE0 | (c >> 12)); o[1] = (char)(0x80 | ((c >> 6) & 0x3F)); o[2] = (char)(0x80 | (c & 0x3F)); n = 3; }
    else { o[0] = (char)(0xF0 | (c >> 18)); o[1] = (char)(0x80 | ((c >> 12) & 0x3F)); o[2] = (char)(0x80 | ((c >> 6) & 0x3F)); o[3] = (char)(0x80 | (c & 0x3F)); n = 4; }
    sb_put(&b, o, n);
  }
  return b.p;
}

/* UTF-8 -> newly malloc'd UTF-16. */
static WCHAR *u16(const char *s, size_t *len_out) {
  size_t n = strlen(s), k = 0;
  WCHAR *w = malloc((n + 1) * sizeof(WCHAR));
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    uint32_t c; int extra;
    if (*p < 0x80) { c = *p; extra = 0; } else if ((*p & 0xE0) == 0xC0) { c = *p & 0x1F; extra = 1; }
    else if ((*p & 0xF0) == 0xE0) { c = *p & 0x0F; extra = 2; } else { c = *p & 0x07; extra = 3; }
    p++;
    for (int i = 0; i < extra && *p; i++, p++) c = (c << 6) | (*p & 0x3F);
    if (c >= 0x10000) { c -= 0x10000; w[k++] = (WCHAR)(0xD800 + (c >> 10)); w[k++] = (WCHAR)(0xDC00 + (c & 0x3FF)); }
    else w[k++] = (WCHAR)c;
  }
  w[k] = 0;
  if (len_out) *len_out = k;
  return w;
}

/* ---------------------------------------------------------------- out-string tracking */

typedef struct { void *p; char freer; char freed; } track_t;
static track_t *tracks; static size_t ntracks, captracks;
static int free_errors; static char last_free_error[256];

static void *track(void *p, char freer) { /* caller holds g */
  if (ntracks == captracks) { captracks = captracks * 2 + 64; tracks = realloc(tracks, captracks * sizeof *tracks); }
  tracks[ntracks].p = p; tracks[ntracks].freer = freer; tracks[ntracks].freed = 0; ntracks++;
  return p;
}
/* A result string for the caller, to be freed with LocalFree ('L') or CoTaskMemFree ('C'). */
static WCHAR *out_str(const char *utf8, char freer) { return track(u16(utf8, NULL), freer); }

static void release(void *p, char freer, const char *fn) {
  if (!p) return;
  pthread_mutex_lock(&g);
  track_t *t = NULL;
  for (size_t i = ntracks; i-- > 0;) if (tracks[i].p == p && !tracks[i].freed) { t = &tracks[i]; break; }
  if (!t) {
    int seen = 0;
    for (size_t i = 0; i < ntracks; i++) if (tracks[i].p == p) seen = 1;
    free_errors++;
    snprintf(last_free_error, sizeof last_free_error, "%s(%p): %s", fn, p, seen ? "double free" : "not allocated by this library");
  } else {
    if (t->freer != freer) {
      free_errors++;
      snprintf(last_free_error, sizeof last_free_error, "%s(%p): must be freed with %s", fn, p, t->freer == 'L' ? "LocalFree" : "CoTaskMemFree");
    }
    t->freed = 1;
    free(p);
  }
  pthread_mutex_unlock(&g);
}

EXPORT HANDLE LocalFree(HANDLE p) { release(p, 'L', "LocalFree"); return NULL; }
EXPORT void CoTaskMemFree(void *p) { release(p, 'C', "CoTaskMemFree"); }

/* ---------------------------------------------------------------- call log and scripted failures */

static sb_t calllog;
static void logcall(const char *fn, int nargs, ...) { /* string args are UTF-16; logged as UTF-8 */
  sb_t b = {0};
  sb_str(&b, "{\"fn\":"); sb_jstr(&b, fn); sb_str(&b, ",\"args\":[");
  va_list ap; va_start(ap, nargs);
  for (int i = 0; i < nargs; i++) {
    const WCHAR *w = va_arg(ap, const WCHAR *);
    if (i) sb_str(&b, ",");
    if (!w) sb_str(&b, "null"); else { char *s = u8(w); sb_jstr(&b, s); free(s); }
  }
  va_end(ap);
  sb_str(&b, "]}\n");
  pthread_mutex_lock(&g); sb_put(&calllog, b.p, b.n); pthread_mutex_unlock(&g);
  free(b.p);
}

typedef struct fail { char fn[64]; HRESULT hr; char *doc; int count; int sync; struct fail *next; } fail_t;
static fail_t *fails;
static int delay_ms;

/* Consumes a scripted failure for fn; *sync tells whether the verb itself (not its operation) fails. */
static int take_fail(const char *fn, HRESULT *hr, char **doc, int *sync) {
  int hit = 0;
  pthread_mutex_lock(&g);
  for (fail_t *f = fails; f; f = f->next) {
    if (f->count > 0 && strcmp(f->fn, fn) == 0) {
      f->count--; *hr = f->hr; *doc = f->doc ? strdup(f->doc) : NULL; if (sync) *sync = f->sync; hit = 1; break;
    }
  }
  pthread_mutex_unlock(&g);
  return hit;
}

/* ---------------------------------------------------------------- naive JSON reading */

static const char *jkey(const char *json, const char *key) {
  if (!json) return NULL;
  size_t kl = strlen(key);
  for (const char *p = json; (p = strchr(p, '"')); p++) {
    if (strncmp(p + 1, key, kl) == 0 && p[kl + 1] == '"') {
      const char *q = p + kl + 2;
      while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r') q++;
      if (*q != ':') continue;
      q++;
      while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r') q++;
      return q;
    }
  }
  return NULL;
}
/* Parses the JSON string at p (pointing at the quote); returns malloc'd UTF-8 and sets *end. */
static char *jstr_at(const char *p, const char **end) {
  if (!p || *p != '"') return NULL;
  sb_t b = {0}; sb_put(&b, "", 0); p++;
  while (*p && *p != '"') {
    if (*p == '\\') {
      p++;
      char c = *p;
      if (c == 'n') sb_put(&b, "\n", 1); else if (c == 't') sb_put(&b, "\t", 1); else if (c == 'r') sb_put(&b, "\r", 1);
      else if (c == 'b') sb_put(&b, "\b", 1); else if (c == 'f') sb_put(&b, "\f", 1);
      else if (c == 'u') {
        unsigned v = 0; sscanf(p + 1, "%4x", &v); p += 4;
        WCHAR w[3] = {(WCHAR)v, 0, 0};
        if (v >= 0xD800 && v <= 0xDBFF && p[1] == '\\' && p[2] == 'u') { unsigned v2 = 0; sscanf(p + 3, "%4x", &v2); w[1] = (WCHAR)v2; p += 6; }
        char *s = u8(w); sb_str(&b, s); free(s);
      } else sb_put(&b, p, 1);
      p++;
    } else { sb_put(&b, p, 1); p++; }
  }
  if (end) *end = *p ? p + 1 : p;
  return b.p;
}
static char *jstr(const char *json, const char *key) { return jstr_at(jkey(json, key), NULL); }
static int jtrue(const char *json, const char *key) { const char *v = jkey(json, key); return v && strncmp(v, "true", 4) == 0; }

static char *now_rfc3339(struct timespec ts) {
  struct tm tm; gmtime_r(&ts.tv_sec, &tm);
  char buf[64]; size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf + n, sizeof buf - n, ".%09ldZ", ts.tv_nsec);
  return strdup(buf);
}

/* ---------------------------------------------------------------- handles */

enum { K_OP = 1, K_SYS, K_PROC, K_HCN, K_FILE, K_NKINDS };
#define MAGIC 0x46414b45
typedef struct { int magic; int kind; int closed; } hdr_t;
static int live[K_NKINDS];
static void *new_handle(size_t size, int kind) {
  hdr_t *h = calloc(1, size); h->magic = MAGIC; h->kind = kind;
  pthread_mutex_lock(&g); live[kind]++; pthread_mutex_unlock(&g);
  return h;
}
static int is(void *p, int kind) { hdr_t *h = p; return h && h->magic == MAGIC && h->kind == kind && !h->closed; }
/* Handle structs are never freed (a closed handle stays recognisable as closed); this is a test library. */

/* ---------------------------------------------------------------- operations */

typedef struct { uint32_t ProcessId; uint32_t Reserved; HANDLE StdInput, StdOutput, StdError; } PI;
typedef void (*op_cb_t)(void *op, uintptr_t ctx);
typedef struct op {
  hdr_t h; int started, done; HRESULT hr; char *doc; uintptr_t ctx; op_cb_t cb; int has_pi; PI pi; int type;
  void *sys; void *proc;
} op_t;

EXPORT void *HcsCreateOperation(uintptr_t ctx, op_cb_t cb) {
  logcall("HcsCreateOperation", 0);
  op_t *o = new_handle(sizeof *o, K_OP); o->ctx = ctx; o->cb = cb; o->type = -1;
  return o;
}
EXPORT void HcsCloseOperation(void *op) {
  logcall("HcsCloseOperation", 0);
  pthread_mutex_lock(&g);
  if (is(op, K_OP)) { ((op_t *)op)->h.closed = 1; live[K_OP]--; }
  pthread_mutex_unlock(&g);
}
EXPORT HRESULT HcsSetOperationCallback(void *op, uintptr_t ctx, op_cb_t cb) {
  logcall("HcsSetOperationCallback", 0);
  if (!is(op, K_OP)) return E_HANDLE;
  pthread_mutex_lock(&g);
  op_t *o = op; HRESULT r = S_OK;
  if (o->started) r = HCS_E_OPERATION_ALREADY_STARTED; else { o->ctx = ctx; o->cb = cb; }
  pthread_mutex_unlock(&g);
  return r;
}
EXPORT uintptr_t HcsGetOperationContext(void *op) { return is(op, K_OP) ? ((op_t *)op)->ctx : 0; }
EXPORT int32_t HcsGetOperationType(void *op) { return is(op, K_OP) ? ((op_t *)op)->type : -1; }
EXPORT void *HcsGetComputeSystemFromOperation(void *op) { return is(op, K_OP) ? ((op_t *)op)->sys : NULL; }
EXPORT void *HcsGetProcessFromOperation(void *op) { return is(op, K_OP) ? ((op_t *)op)->proc : NULL; }
EXPORT HRESULT HcsCancelOperation(void *op) { (void)op; logcall("HcsCancelOperation", 0); return E_NOTIMPL; }

static HRESULT result_of(op_t *o, PI *pi, WCHAR **doc) { /* caller holds g */
  if (doc) *doc = NULL;
  if (!o->started) { /* a verb that failed leaves its error document on the never-started operation */
    if (doc && o->doc && *o->doc) { *doc = out_str(o->doc, 'L'); free(o->doc); o->doc = NULL; }
    return HCS_E_OPERATION_NOT_STARTED;
  }
  if (!o->done) return HCS_E_OPERATION_PENDING;
  if (pi && o->hr >= 0) {
    if (!o->has_pi) return E_INVALIDARG;
    *pi = o->pi; memset(&o->pi, 0, sizeof o->pi); /* handles are handed over once */
  }
  if (doc && o->doc && *o->doc) *doc = out_str(o->doc, 'L');
  return o->hr;
}
EXPORT HRESULT HcsGetOperationResult(void *op, WCHAR **doc) {
  logcall("HcsGetOperationResult", 0);
  if (!is(op, K_OP)) return E_HANDLE;
  pthread_mutex_lock(&g); HRESULT r = result_of(op, NULL, doc); pthread_mutex_unlock(&g);
  return r;
}
EXPORT HRESULT HcsGetOperationResultAndProcessInfo(void *op, PI *pi, WCHAR **doc) {
  logcall("HcsGetOperationResultAndProcessInfo", 0);
  if (!is(op, K_OP)) return E_HANDLE;
  pthread_mutex_lock(&g); HRESULT r = result_of(op, pi, doc); pthread_mutex_unlock(&g);
  return r;
}
static HRESULT wait_op(op_t *o, uint32_t timeout, PI *pi, WCHAR **doc) {
  struct timespec dl; clock_gettime(CLOCK_REALTIME, &dl);
  dl.tv_sec += timeout / 1000; dl.tv_nsec += (long)(timeout % 1000) * 1000000L;
  if (dl.tv_nsec >= 1000000000L) { dl.tv_sec++; dl.tv_nsec -= 1000000000L; }
  pthread_mutex_lock(&g);
  if (!o->started) { pthread_mutex_unlock(&g); return HCS_E_OPERATION_NOT_STARTED; }
  while (!o->done) {
    if (timeout == 0xFFFFFFFFu) pthread_cond_wait(&gcv, &g);
    else if (pthread_cond_timedwait(&gcv, &g, &dl) == ETIMEDOUT) { pthread_mutex_unlock(&g); if (doc) *doc = NULL; return HCS_E_OPERATION_TIMEOUT; }
  }
  HRESULT r = result_of(o, pi, doc);
  pthread_mutex_unlock(&g);
  return r;
}
EXPORT HRESULT HcsWaitForOperationResult(void *op, uint32_t timeout, WCHAR **doc) {
  logcall("HcsWaitForOperationResult", 0);
  return is(op, K_OP) ? wait_op(op, timeout, NULL, doc) : E_HANDLE;
}
EXPORT HRESULT HcsWaitForOperationResultAndProcessInfo(void *op, uint32_t timeout, PI *pi, WCHAR **doc) {
  logcall("HcsWaitForOperationResultAndProcessInfo", 0);
  return is(op, K_OP) ? wait_op(op, timeout, pi, doc) : E_HANDLE;
}

typedef struct job { op_t *op; HRESULT hr; char *doc; int has_pi; PI pi; void (*work)(struct job *); void *arg; } job_t;
static void *complete_thread(void *a) {
  job_t *j = a;
  if (j->work) j->work(j);
  if (delay_ms) usleep((useconds_t)delay_ms * 1000);
  op_t *o = j->op;
  pthread_mutex_lock(&g);
  o->hr = j->hr; o->doc = j->doc; o->has_pi = j->has_pi; o->pi = j->pi; o->done = 1;
  op_cb_t cb = o->h.closed ? NULL : o->cb; uintptr_t ctx = o->ctx;
  pthread_cond_broadcast(&gcv);
  pthread_mutex_unlock(&g);
  if (cb) cb(o, ctx); /* foreign thread, as HCS */
  free(j);
  return NULL;
}
static char *result_error(HRESULT hr, const char *msg) {
  sb_t b = {0};
  sb_fmt(&b, "{\"Error\":%d,\"ErrorMessage\":", hr); sb_jstr(&b, msg); sb_str(&b, ",\"ErrorEvents\":[{\"Message\":"); sb_jstr(&b, msg);
  sb_str(&b, ",\"Provider\":\"17103e3f-3c6e-4677-bb17-3b267eb5be57\",\"EventId\":11001}]}");
  return b.p;
}
/* Starts op: the verb "succeeded"; the result arrives on another thread. */
static HRESULT start_op(const char *fn, op_t *o, int type, HRESULT hr, char *doc, void (*work)(job_t *), void *arg, PI *pi) {
  if (!is(o, K_OP)) { free(doc); return E_HANDLE; }
  HRESULT fhr; char *fdoc; int sync = 0;
  if (take_fail(fn, &fhr, &fdoc, &sync)) {
    free(doc);
    doc = fdoc ? fdoc : result_error(fhr, "scripted failure");
    if (sync) { /* the verb itself fails; the error document stays on the (never started) operation */
      pthread_mutex_lock(&g); o->doc = doc; pthread_mutex_unlock(&g);
      return fhr;
    }
    hr = fhr; work = NULL; pi = NULL;
  }
  pthread_mutex_lock(&g);
  if (o->started) { pthread_mutex_unlock(&g); free(doc); return HCS_E_OPERATION_ALREADY_STARTED; }
  o->started = 1; o->type = type;
  pthread_mutex_unlock(&g);
  job_t *j = calloc(1, sizeof *j); j->op = o; j->hr = hr; j->doc = doc; j->work = work; j->arg = arg;
  if (pi) { j->has_pi = 1; j->pi = *pi; }
  pthread_t t; pthread_create(&t, NULL, complete_thread, j); pthread_detach(t);
  return S_OK;
}


/* A scripted failure of an operation-based verb: either the verb fails (sync) or its operation does. */
static int scripted(const char *fn, void *op, int type, HRESULT *ret) {
  HRESULT fhr; char *fdoc; int sync = 0;
  if (!take_fail(fn, &fhr, &fdoc, &sync)) return 0;
  if (!fdoc) fdoc = result_error(fhr, "scripted failure");
  if (sync) { pthread_mutex_lock(&g); if (is(op, K_OP)) ((op_t *)op)->doc = fdoc; else free(fdoc); pthread_mutex_unlock(&g); *ret = fhr; return 1; }
  *ret = start_op("-", op, type, fhr, fdoc, NULL, NULL, NULL);
  return 1;
}

/* ---------------------------------------------------------------- compute systems and processes */

enum { ST_CREATED, ST_RUNNING, ST_PAUSED, ST_STOPPED };
static const char *STATE[] = {"Created", "Running", "Paused", "Stopped"};
typedef struct proc_rec { int pid; int out_fd, err_fd; int exited; int code; long utime, stime, rss; struct sys_rec *sys; struct proc_rec *next; } proc_rec;
typedef struct sys_rec {
  char *id; char *doc; char *owner; int state; const char *exit_type; int handles; int forgotten;
  struct timespec created, started; proc_rec *procs; struct sys_rec *next;
  struct sys_rec *host; /* the utility VM of a hosted system (HostingSystemId) */
} sys_rec;
typedef void (*ev_cb_t)(void *event, uintptr_t ctx);
typedef struct { int32_t Type; int32_t pad; const WCHAR *EventData; void *Operation; } HCS_EVENT;
typedef struct { hdr_t h; sys_rec *s; ev_cb_t cb; uintptr_t ctx; int inflight; } sys_h;
typedef struct { hdr_t h; proc_rec *p; ev_cb_t cb; uintptr_t ctx; int inflight; } proc_h;

static sys_rec *systems;
static sys_h **sysh; static size_t nsysh;
static proc_h **proch; static size_t nproch;

static sys_rec *find_sys(const char *id) {
  for (sys_rec *s = systems; s; s = s->next) if (!s->forgotten && strcmp(s->id, id) == 0) return s;
  return NULL;
}
static sys_h *open_sys_handle(sys_rec *s) { /* caller holds g */
  pthread_mutex_unlock(&g);
  sys_h *h = new_handle(sizeof *h, K_SYS);
  pthread_mutex_lock(&g);
  h->s = s; s->handles++;
  sysh = realloc(sysh, (nsysh + 1) * sizeof *sysh); sysh[nsysh++] = h;
  return h;
}

typedef struct { int kind; void *h; int32_t type; char *data; } ev_t;
static void *deliver_thread(void *a) { /* one event to one handle, from a foreign thread */
  ev_t *e = a;
  pthread_mutex_lock(&g);
  ev_cb_t cb; uintptr_t ctx; int *inflight;
  if (e->kind == K_SYS) { sys_h *h = e->h; cb = h->h.closed ? NULL : h->cb; ctx = h->ctx; inflight = &h->inflight; }
  else { proc_h *h = e->h; cb = h->h.closed ? NULL : h->cb; ctx = h->ctx; inflight = &h->inflight; }
  if (cb) (*inflight)++;
  pthread_mutex_unlock(&g);
  if (cb) {
    WCHAR *w = u16(e->data, NULL);
    HCS_EVENT ev = {e->type, 0, w, NULL};
    cb(&ev, ctx);
    free(w);
    pthread_mutex_lock(&g); (*inflight)--; pthread_cond_broadcast(&gcv); pthread_mutex_unlock(&g);
  }
  free(e->data); free(e);
  return NULL;
}
static void post_event(int kind, void *h, int32_t type, const char *data) {
  ev_t *e = calloc(1, sizeof *e); e->kind = kind; e->h = h; e->type = type; e->data = strdup(data);
  pthread_t t; pthread_create(&t, NULL, deliver_thread, e); pthread_detach(t);
}
static void system_exited(sys_rec *s, const char *exit_type) { /* caller holds g */
  if (s->state == ST_STOPPED) return;
  s->state = ST_STOPPED; s->exit_type = exit_type;
  char data[128]; snprintf(data, sizeof data, "{\"Status\":0,\"ExitType\":\"%s\"}", exit_type);
  for (size_t i = 0; i < nsysh; i++) if (sysh[i]->s == s && !sysh[i]->h.closed && sysh[i]->cb) post_event(K_SYS, sysh[i], 1 /* HcsEventSystemExited */, data);
  pthread_cond_broadcast(&gcv);
}
static void maybe_forget(sys_rec *s) { if (s->state == ST_STOPPED && s->handles == 0) s->forgotten = 1; }

static char *proc_status(proc_rec *p) {
  sb_t b = {0};
  if (p->exited) sb_fmt(&b, "{\"ProcessId\":%d,\"Exited\":true,\"ExitCode\":%u,\"LastWaitResult\":0}", p->pid, (unsigned)p->code);
  else sb_fmt(&b, "{\"ProcessId\":%d,\"Exited\":false}", p->pid);
  return b.p;
}

static void sample(proc_rec *p) { /* CPU and memory from /proc while the process lives */
  char path[64], buf[1024]; snprintf(path, sizeof path, "/proc/%d/stat", p->pid);
  FILE *f = fopen(path, "r"); if (!f) return;
  size_t n = fread(buf, 1, sizeof buf - 1, f); fclose(f); buf[n] = 0;
  char *q = strrchr(buf, ')'); if (!q) return;
  long ut = 0, st = 0; char state;
  if (sscanf(q + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %ld %ld", &state, &ut, &st) == 3 && state != 'Z') {
    if (ut > p->utime) p->utime = ut;
    if (st > p->stime) p->stime = st;
  }
  snprintf(path, sizeof path, "/proc/%d/statm", p->pid);
  f = fopen(path, "r"); if (!f) return;
  long size = 0, res = 0; if (fscanf(f, "%ld %ld", &size, &res) == 2) p->rss = res * sysconf(_SC_PAGESIZE);
  fclose(f);
}

static void *reaper(void *a) {
  proc_rec *p = a; int st = 0;
  while (waitpid(p->pid, &st, 0) < 0 && errno == EINTR) {}
  pthread_mutex_lock(&g);
  p->exited = 1; p->rss = 0;
  p->code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  char *data = proc_status(p);
  for (size_t i = 0; i < nproch; i++) if (proch[i]->p == p && !proch[i]->h.closed && proch[i]->cb) post_event(K_PROC, proch[i], 0x00010000 /* HcsEventProcessExited */, data);
  free(data);
  pthread_cond_broadcast(&gcv);
  pthread_mutex_unlock(&g);
  return NULL;
}

static char *basic_props(sys_rec *s, const char *query) {
  sb_t b = {0};
  sb_str(&b, "{\"Id\":"); sb_jstr(&b, s->id); sb_str(&b, ",\"Name\":"); sb_jstr(&b, s->id);
  sb_fmt(&b, ",\"SystemType\":\"%s\",\"RuntimeOsType\":\"windows\",\"State\":\"%s\",\"Stopped\":%s",
    jkey(s->doc, "VirtualMachine") ? "VirtualMachine" : "Container", STATE[s->state], s->state == ST_STOPPED ? "true" : "false");
  if (s->owner) { sb_str(&b, ",\"Owner\":"); sb_jstr(&b, s->owner); }
  if (s->state == ST_STOPPED) sb_fmt(&b, ",\"ExitType\":\"%s\"", s->exit_type);
  if (query && strstr(query, "\"Statistics\"")) {
    struct timespec now; clock_gettime(CLOCK_REALTIME, &now);
    struct timespec st0 = s->state == ST_CREATED ? s->created : s->started;
    long long up = ((long long)(now.tv_sec - st0.tv_sec) * 1000000000LL + (now.tv_nsec - st0.tv_nsec)) / 100;
    long long user = 0, kern = 0, mem = 0; long tick = sysconf(_SC_CLK_TCK);
    for (proc_rec *p = s->procs; p; p = p->next) { if (!p->exited) sample(p); user += p->utime; kern += p->stime; mem += p->rss; }
    char *ts = now_rfc3339(now), *cs = now_rfc3339(st0);
    sb_fmt(&b, ",\"Statistics\":{\"Timestamp\":\"%s\",\"ContainerStartTime\":\"%s\",\"Uptime100ns\":%lld", ts, cs, up < 0 ? 0 : up);
    sb_fmt(&b, ",\"Processor\":{\"TotalRuntime100ns\":%lld,\"RuntimeUser100ns\":%lld,\"RuntimeKernel100ns\":%lld}",
      (user + kern) * (10000000LL / tick), user * (10000000LL / tick), kern * (10000000LL / tick));
    sb_fmt(&b, ",\"Memory\":{\"MemoryUsageCommitBytes\":%lld,\"MemoryUsageCommitPeakBytes\":%lld,\"MemoryUsagePrivateWorkingSetBytes\":%lld}", mem, mem, mem);
    sb_str(&b, ",\"Storage\":{\"ReadCountNormalized\":0,\"ReadSizeBytes\":0,\"WriteCountNormalized\":0,\"WriteSizeBytes\":0}}");
    free(ts); free(cs);
  }
  if (query && strstr(query, "\"ProcessList\"")) {
    sb_str(&b, ",\"ProcessList\":[");
    int first = 1;
    if (s->state != ST_STOPPED) for (proc_rec *p = s->procs; p; p = p->next) if (!p->exited) {
      sb_fmt(&b, "%s{\"ProcessId\":%d,\"ImageName\":\"sh\"}", first ? "" : ",", p->pid); first = 0;
    }
    sb_str(&b, "]");
  }
  sb_str(&b, "}");
  return b.p;
}

EXPORT HRESULT HcsCreateComputeSystem(const WCHAR *id, const WCHAR *config, void *op, const void *sd, void **out) {
  logcall("HcsCreateComputeSystem", 2, id, config);
  (void)sd;
  if (!id || !out) return E_POINTER;
  *out = NULL;
  HRESULT sr;
  if (scripted("HcsCreateComputeSystem", op, 1, &sr)) return sr;
  char *sid = u8(id), *doc = u8(config);
  HRESULT hr = S_OK; const char *msg = NULL;
  pthread_mutex_lock(&g);
  const char *t = doc; while (t && (*t == ' ' || *t == '\n')) t++;
  if (!doc || *t != '{') { hr = HCS_E_INVALID_JSON; msg = "The JSON document is invalid."; }
  else if ((jkey(doc, "Container") && !jkey(doc, "HostedSystem")) + !!jkey(doc, "VirtualMachine") + !!jkey(doc, "HostedSystem") != 1) /* a HostedSystem holds a Container */ { hr = HCS_E_INVALID_JSON; msg = "exactly one of Container, VirtualMachine, HostedSystem"; }
  else if (find_sys(sid)) { hr = HCS_E_SYSTEM_ALREADY_EXISTS; msg = "A compute system with the specified identifier already exists."; }
  char *hid = hr == S_OK ? jstr(doc, "HostingSystemId") : NULL;
  sys_rec *vm = hid ? find_sys(hid) : NULL;
  if (hid && !vm) { hr = HCS_E_SYSTEM_NOT_FOUND; msg = "The hosting system was not found."; }
  else if (vm && !jkey(vm->doc, "VirtualMachine")) { hr = HCS_E_INVALID_JSON; msg = "HostingSystemId does not name a virtual machine."; }
  else if (vm && vm->state != ST_RUNNING) { hr = HCS_E_INVALID_STATE; msg = "The hosting system is not running."; }
  free(hid);
  sys_rec *s = NULL;
  if (hr == S_OK) {
    s = calloc(1, sizeof *s); s->id = sid; s->doc = doc; s->owner = jstr(doc, "Owner"); s->state = ST_CREATED; s->host = vm;
    clock_gettime(CLOCK_REALTIME, &s->created); s->next = systems; systems = s;
    *out = open_sys_handle(s);
  }
  pthread_mutex_unlock(&g);
  if (hr != S_OK) { free(sid); free(doc); }
  return start_op("-", op, 1, hr, hr == S_OK ? NULL : result_error(hr, msg), NULL, NULL, NULL);
}

EXPORT HRESULT HcsOpenComputeSystem(const WCHAR *id, uint32_t access, void **out) {
  logcall("HcsOpenComputeSystem", 1, id);
  if (!out) return E_POINTER;
  *out = NULL;
  HRESULT fhr; char *fdoc;
  if (take_fail("HcsOpenComputeSystem", &fhr, &fdoc, NULL)) { free(fdoc); return fhr; }
  if (access != 0x10000000u) return E_INVALIDARG; /* GENERIC_ALL */
  char *sid = u8(id);
  pthread_mutex_lock(&g);
  sys_rec *s = find_sys(sid);
  if (s) *out = open_sys_handle(s);
  pthread_mutex_unlock(&g);
  free(sid);
  return s ? S_OK : HCS_E_SYSTEM_NOT_FOUND;
}

static void drain(int *inflight) { while (*inflight > 0) pthread_cond_wait(&gcv, &g); }

EXPORT void HcsCloseComputeSystem(void *h) {
  logcall("HcsCloseComputeSystem", 0);
  pthread_mutex_lock(&g);
  if (is(h, K_SYS)) {
    sys_h *x = h; x->h.closed = 1; x->cb = NULL; live[K_SYS]--;
    drain(&x->inflight); /* as HCS: no callback runs after close returns */
    x->s->handles--; maybe_forget(x->s);
  }
  pthread_mutex_unlock(&g);
}

EXPORT HRESULT HcsSetComputeSystemCallback(void *h, int32_t options, uintptr_t ctx, ev_cb_t cb) {
  logcall("HcsSetComputeSystemCallback", 0);
  (void)options;
  if (!is(h, K_SYS)) return E_HANDLE;
  pthread_mutex_lock(&g); ((sys_h *)h)->cb = cb; ((sys_h *)h)->ctx = ctx; pthread_mutex_unlock(&g);
  return S_OK;
}

static void kill_all(sys_rec *s, int sig) { for (proc_rec *p = s->procs; p; p = p->next) if (!p->exited) { kill(-p->pid, sig); kill(-p->pid, SIGCONT); } }
static int all_exited(sys_rec *s) { for (proc_rec *p = s->procs; p; p = p->next) if (!p->exited) return 0; return 1; }
static void wait_all_exited(sys_rec *s, int ms) { /* caller holds g */
  struct timespec dl; clock_gettime(CLOCK_REALTIME, &dl); dl.tv_sec += ms / 1000;
  while (!all_exited(s)) if (pthread_cond_timedwait(&gcv, &g, &dl) == ETIMEDOUT) break;
}
static void stop_hosted(sys_rec *vm) { /* caller holds g: a VM's hosted systems end before it does */
  for (sys_rec *r = systems; r; r = r->next) {
    if (r->host != vm || r->state == ST_STOPPED) continue;
    kill_all(r, SIGKILL); wait_all_exited(r, 5000); system_exited(r, "ForcedExit");
  }
}
static void stop_work(job_t *j) { /* runs on the completion thread */
  sys_rec *s = j->arg; int forced = j->hr == 1; j->hr = S_OK;
  pthread_mutex_lock(&g);
  stop_hosted(s);
  kill_all(s, forced ? SIGKILL : SIGTERM);
  wait_all_exited(s, forced ? 5000 : 2000);
  if (!all_exited(s)) { kill_all(s, SIGKILL); wait_all_exited(s, 5000); }
  system_exited(s, forced ? "ForcedExit" : "GracefulExit");
  pthread_mutex_unlock(&g);
}

static HRESULT sys_verb(const char *fn, int type, void *h, void *op, const WCHAR *options) {
  logcall(fn, 1, options);
  if (!is(h, K_SYS)) return E_HANDLE;
  sys_rec *s = ((sys_h *)h)->s;
  HRESULT hr = S_OK; void (*work)(job_t *) = NULL; HRESULT workarg = 0;
  pthread_mutex_lock(&g);
  int st = s->state;
  switch (type) {
  case 2: if (st != ST_CREATED || (s->host && s->host->state != ST_RUNNING)) hr = HCS_E_INVALID_STATE; break; /* start */
  case 3: case 7:                                                                   /* shutdown / terminate */
    if (st == ST_STOPPED) hr = HCS_E_SYSTEM_ALREADY_STOPPED; else { work = stop_work; workarg = type == 7; }
    break;
  case 4: if (st != ST_RUNNING) hr = HCS_E_INVALID_STATE; break;                  /* pause */
  case 5: if (st != ST_PAUSED) hr = HCS_E_INVALID_STATE; break;                   /* resume */
  }
  pthread_mutex_unlock(&g);
  HRESULT sr;
  /* state changes happen only when the call is not scripted to fail */
  if (scripted(fn, op, type, &sr)) return sr;
  if (hr == S_OK && !work) {
    pthread_mutex_lock(&g);
    if (type == 2) { s->state = ST_RUNNING; clock_gettime(CLOCK_REALTIME, &s->started); }
    if (type == 4) { s->state = ST_PAUSED; for (proc_rec *p = s->procs; p; p = p->next) if (!p->exited) kill(-p->pid, SIGSTOP); }
    if (type == 5) { s->state = ST_RUNNING; for (proc_rec *p = s->procs; p; p = p->next) if (!p->exited) kill(-p->pid, SIGCONT); }
    pthread_mutex_unlock(&g);
  }
  if (!is(op, K_OP)) return E_HANDLE;
  pthread_mutex_lock(&g); ((op_t *)op)->sys = h; pthread_mutex_unlock(&g);
  HRESULT r = start_op("-", op, type, work ? workarg : hr, hr == S_OK ? NULL : result_error(hr, STATE[st]), hr == S_OK ? work : NULL, s, NULL);
  return r;
}
EXPORT HRESULT HcsStartComputeSystem(void *h, void *op, const WCHAR *o) { return sys_verb("HcsStartComputeSystem", 2, h, op, o); }
EXPORT HRESULT HcsShutDownComputeSystem(void *h, void *op, const WCHAR *o) { return sys_verb("HcsShutDownComputeSystem", 3, h, op, o); }
EXPORT HRESULT HcsTerminateComputeSystem(void *h, void *op, const WCHAR *o) { return sys_verb("HcsTerminateComputeSystem", 7, h, op, o); }
EXPORT HRESULT HcsPauseComputeSystem(void *h, void *op, const WCHAR *o) { return sys_verb("HcsPauseComputeSystem", 4, h, op, o); }
EXPORT HRESULT HcsResumeComputeSystem(void *h, void *op, const WCHAR *o) { return sys_verb("HcsResumeComputeSystem", 5, h, op, o); }

EXPORT HRESULT HcsGetComputeSystemProperties(void *h, void *op, const WCHAR *query) {
  logcall("HcsGetComputeSystemProperties", 1, query);
  if (!is(h, K_SYS)) return E_HANDLE;
  char *q = u8(query);
  pthread_mutex_lock(&g); char *doc = basic_props(((sys_h *)h)->s, q); pthread_mutex_unlock(&g);
  free(q);
  return start_op("HcsGetComputeSystemProperties", op, 9, S_OK, doc, NULL, NULL, NULL);
}

EXPORT HRESULT HcsModifyComputeSystem(void *h, void *op, const WCHAR *config, HANDLE identity) {
  logcall("HcsModifyComputeSystem", 1, config);
  (void)identity;
  if (!is(h, K_SYS)) return E_HANDLE;
  sys_rec *s = ((sys_h *)h)->s;
  char *c = u8(config);
  HRESULT hr = S_OK;
  pthread_mutex_lock(&g);
  if (s->state == ST_STOPPED) hr = HCS_E_INVALID_STATE;
  else if (!c || (!jkey(c, "ResourcePath") && !jkey(c, "GuestRequest"))) hr = HCS_E_INVALID_JSON; /* a guest-only request has no ResourcePath */
  pthread_mutex_unlock(&g);
  free(c);
  return start_op("HcsModifyComputeSystem", op, 8, hr, hr ? result_error(hr, "modify rejected") : NULL, NULL, NULL, NULL);
}

EXPORT HRESULT HcsEnumerateComputeSystems(const WCHAR *query, void *op) {
  logcall("HcsEnumerateComputeSystems", 1, query);
  char *q = u8(query), *owner = q ? jkey(q, "Owners") ? jstr_at(strchr(jkey(q, "Owners"), '"'), NULL) : NULL : NULL;
  sb_t b = {0}; sb_str(&b, "[");
  pthread_mutex_lock(&g);
  int first = 1;
  for (sys_rec *s = systems; s; s = s->next) {
    if (s->forgotten) continue;
    if (owner && (!s->owner || strcmp(owner, s->owner) != 0)) continue;
    char *p = basic_props(s, NULL); if (!first) sb_str(&b, ","); sb_str(&b, p); free(p); first = 0;
  }
  pthread_mutex_unlock(&g);
  sb_str(&b, "]");
  free(q); free(owner);
  return start_op("HcsEnumerateComputeSystems", op, 0, S_OK, b.p, NULL, NULL, NULL);
}

/* Container Credential Guard instances (HcsModifyServiceSettings AddInstance / RemoveInstance), listed by
 * HcsGetServiceProperties("ContainerCredentialGuard"). */
typedef struct ccg { char *id; char *transport; int n; struct ccg *next; } ccg_t;
static ccg_t *ccgs; static int ccg_seq;

static void ccg_list(sb_t *b) { /* caller holds g */
  sb_str(b, "{\"Instances\":[");
  for (ccg_t *c = ccgs; c; c = c->next) {
    sb_str(b, "{\"Id\":"); sb_jstr(b, c->id);
    sb_fmt(b, ",\"CredentialGuard\":{\"Cookie\":\"cookie-%d\",\"RpcEndpoint\":\"ccg-endpoint-%d\",\"Transport\":", c->n, c->n);
    sb_jstr(b, c->transport); sb_str(b, "}}"); if (c->next) sb_str(b, ",");
  }
  sb_str(b, "]}");
}

EXPORT HRESULT HcsGetServiceProperties(const WCHAR *query, WCHAR **result) {
  logcall("HcsGetServiceProperties", 1, query);
  if (!result) return E_POINTER;
  HRESULT fhr; char *fdoc;
  if (take_fail("HcsGetServiceProperties", &fhr, &fdoc, NULL)) { pthread_mutex_lock(&g); *result = fdoc ? out_str(fdoc, 'L') : NULL; pthread_mutex_unlock(&g); free(fdoc); return fhr; }
  char *q = u8(query);
  pthread_mutex_lock(&g);
  if (q && strstr(q, "\"ContainerCredentialGuard\"")) {
    sb_t b = {0}; sb_str(&b, "{\"Properties\":["); ccg_list(&b); sb_str(&b, "]}");
    *result = out_str(b.p, 'L'); free(b.p);
  } else {
    *result = out_str("{\"Properties\":[{\"SupportedSchemaVersions\":[{\"Major\":2,\"Minor\":1},{\"Major\":2,\"Minor\":5}]}]}", 'L');
  }
  pthread_mutex_unlock(&g);
  free(q);
  return S_OK;
}

/* Synchronous; the grant itself (an ACL entry for the VM's identity) is recorded by the call log. */
EXPORT HRESULT HcsGrantVmAccess(const WCHAR *vmId, const WCHAR *filePath) {
  logcall("HcsGrantVmAccess", 2, vmId, filePath);
  HRESULT fhr; char *fdoc;
  if (take_fail("HcsGrantVmAccess", &fhr, &fdoc, NULL)) { free(fdoc); return fhr; }
  if (!vmId || !filePath || !vmId[0]) return E_INVALIDARG;
  char *path = u8(filePath);
  int ok = access(path, F_OK) == 0;
  free(path);
  return ok ? S_OK : (HRESULT)0x80070002; /* HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND) */
}

EXPORT HRESULT HcsModifyServiceSettings(const WCHAR *settings, WCHAR **result) {
  logcall("HcsModifyServiceSettings", 1, settings);
  if (!result) return E_POINTER;
  *result = NULL;
  HRESULT fhr; char *fdoc;
  if (take_fail("HcsModifyServiceSettings", &fhr, &fdoc, NULL)) { pthread_mutex_lock(&g); *result = fdoc ? out_str(fdoc, 'L') : NULL; pthread_mutex_unlock(&g); free(fdoc); return fhr; }
  char *s = u8(settings);
  char *type = jstr(s, "PropertyType"), *opn = jstr(s, "Operation"), *id = jstr(s, "Id"), *tr = jstr(s, "Transport");
  HRESULT hr = S_OK; char *err = NULL;
  pthread_mutex_lock(&g);
  if (!type || strcmp(type, "ContainerCredentialGuard") != 0 || !opn || !id) { hr = E_INVALIDARG; err = result_error(hr, "not a ContainerCredentialGuard request"); }
  else if (strcmp(opn, "AddInstance") == 0) {
    ccg_t *c; for (c = ccgs; c && strcmp(c->id, id) != 0; c = c->next) {}
    if (c || !jkey(s, "CredentialSpec")) { hr = c ? (HRESULT)0x800700b7 /* ERROR_ALREADY_EXISTS */ : E_INVALIDARG; err = result_error(hr, c ? "instance exists" : "CredentialSpec missing"); }
    else { c = calloc(1, sizeof *c); c->id = strdup(id); c->transport = strdup(tr ? tr : "LRPC"); c->n = ++ccg_seq; c->next = ccgs; ccgs = c; }
  } else if (strcmp(opn, "RemoveInstance") == 0) {
    ccg_t **pp; for (pp = &ccgs; *pp && strcmp((*pp)->id, id) != 0; pp = &(*pp)->next) {}
    if (!*pp) { hr = ERROR_NOT_FOUND_HR; err = result_error(hr, "no such instance"); }
    else { ccg_t *c = *pp; *pp = c->next; free(c->id); free(c->transport); free(c); }
  } else { hr = E_INVALIDARG; err = result_error(hr, "unknown Operation"); }
  if (err) *result = out_str(err, 'L');
  pthread_mutex_unlock(&g);
  free(err); free(s); free(type); free(opn); free(id); free(tr);
  return hr;
}

/* processes */

static proc_h *open_proc_handle(proc_rec *p) {
  proc_h *h = new_handle(sizeof *h, K_PROC);
  pthread_mutex_lock(&g);
  h->p = p; proch = realloc(proch, (nproch + 1) * sizeof *proch); proch[nproch++] = h;
  pthread_mutex_unlock(&g);
  return h;
}


/* Windows command-line splitting (CommandLineToArgvW rules: 2n backslashes + quote -> n backslashes and a quote
 * toggle, 2n+1 backslashes + quote -> n backslashes and a literal quote). */
static char **split_cmdline(const char *c) {
  size_t cap = 8, n = 0; char **argv = calloc(cap, sizeof *argv);
  while (*c) {
    while (*c == ' ' || *c == '\t') c++;
    if (!*c) break;
    sb_t b = {0}; sb_put(&b, "", 0);
    int inq = 0;
    while (*c && (inq || (*c != ' ' && *c != '\t'))) {
      if (*c == '\\') {
        size_t k = 0; while (c[k] == '\\') k++;
        if (c[k] == '"') { for (size_t i = 0; i < k / 2; i++) sb_put(&b, "\\", 1); c += k; if (k % 2) { sb_put(&b, "\"", 1); c++; } }
        else { for (size_t i = 0; i < k; i++) sb_put(&b, "\\", 1); c += k; }
      } else if (*c == '"') { if (inq && c[1] == '"') { sb_put(&b, "\"", 1); c += 2; } else { inq = !inq; c++; } }
      else { sb_put(&b, c, 1); c++; }
    }
    if (n + 2 >= cap) { cap *= 2; argv = realloc(argv, cap * sizeof *argv); }
    argv[n++] = b.p;
  }
  argv[n] = NULL;
  return argv;
}

/* Environment: {"K":"V",...} -> envp (PATH is inherited when the document does not set it). */
static char **build_env(const char *params) {
  size_t n = 0, cap = 8; char **env = calloc(cap, sizeof *env);
  const char *e = jkey(params, "Environment");
  int has_path = 0;
  if (e && *e == '{') {
    const char *p = e + 1;
    for (;;) {
      while (*p == ' ' || *p == ',' || *p == '\n') p++;
      if (*p != '"') break;
      char *k = jstr_at(p, &p);
      while (*p == ' ' || *p == ':') p++;
      char *v = jstr_at(p, &p);
      if (!k || !v) { free(k); free(v); break; }
      if (strcmp(k, "PATH") == 0) has_path = 1;
      if (n + 2 >= cap) { cap *= 2; env = realloc(env, cap * sizeof *env); }
      size_t len = strlen(k) + strlen(v) + 2; env[n] = malloc(len); snprintf(env[n], len, "%s=%s", k, v); n++;
      free(k); free(v);
    }
  }
  if (!has_path) {
    const char *path = getenv("PATH"); if (!path) path = "/usr/bin:/bin";
    if (n + 2 >= cap) { cap *= 2; env = realloc(env, cap * sizeof *env); }
    size_t len = strlen(path) + 6; env[n] = malloc(len); snprintf(env[n], len, "PATH=%s", path); n++;
  }
  env[n] = NULL;
  return env;
}

EXPORT HRESULT HcsCreateProcess(void *h, const WCHAR *params, void *op, const void *sd, void **out) {
  logcall("HcsCreateProcess", 1, params);
  (void)sd;
  if (!out) return E_POINTER;
  *out = NULL;
  if (!is(h, K_SYS)) return E_HANDLE;
  sys_rec *s = ((sys_h *)h)->s;
  HRESULT sr;
  if (scripted("HcsCreateProcess", op, 10, &sr)) return sr;
  pthread_mutex_lock(&g); int st = s->state; pthread_mutex_unlock(&g);
  if (st != ST_RUNNING) return start_op("-", op, 10, HCS_E_INVALID_STATE, result_error(HCS_E_INVALID_STATE, STATE[st]), NULL, NULL, NULL);
  char *p = u8(params);
  char *cmd = jstr(p, "CommandLine");
  if (!cmd || !*cmd) { free(p); free(cmd); return start_op("-", op, 10, E_INVALIDARG, result_error(E_INVALIDARG, "CommandLine is empty"), NULL, NULL, NULL); }
  int want_in = jtrue(p, "CreateStdInPipe"), want_out = jtrue(p, "CreateStdOutPipe"), console = jtrue(p, "EmulateConsole");
  int want_err = jtrue(p, "CreateStdErrPipe") && !console;
  int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
  if (want_in) pipe2(pin, O_CLOEXEC);
  if (want_out) pipe2(pout, O_CLOEXEC);
  if (want_err) pipe2(perr, O_CLOEXEC);
  posix_spawn_file_actions_t fa; posix_spawn_file_actions_init(&fa);
  if (want_in) posix_spawn_file_actions_adddup2(&fa, pin[0], 0); else posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (want_out) posix_spawn_file_actions_adddup2(&fa, pout[1], 1); else posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  if (want_err) posix_spawn_file_actions_adddup2(&fa, perr[1], 2);
  else if (console && want_out) posix_spawn_file_actions_adddup2(&fa, pout[1], 2);
  else posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t at; posix_spawnattr_init(&at);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&at, 0);
  sigset_t none, all; sigemptyset(&none); sigfillset(&all);
  posix_spawnattr_setsigmask(&at, &none); posix_spawnattr_setsigdefault(&at, &all);
  char **env = build_env(p);
  char **argv = split_cmdline(cmd);
  pid_t pid = 0;
  /* The program is looked up on the service's PATH (the documents' C:\ paths mean nothing here). */
  int rc = argv[0] ? posix_spawnp(&pid, argv[0], &fa, &at, argv, env) : ENOENT;
  for (char **a = argv; *a; a++) free(*a);
  free(argv);
  posix_spawn_file_actions_destroy(&fa); posix_spawnattr_destroy(&at);
  for (char **e = env; *e; e++) free(*e);
  free(env); free(cmd); free(p);
  if (want_in) close(pin[0]);
  if (want_out) close(pout[1]);
  if (want_err) close(perr[1]);
  if (rc != 0) {
    if (want_in) close(pin[1]);
    if (want_out) close(pout[0]);
    if (want_err) close(perr[0]);
    return start_op("-", op, 10, (HRESULT)0x80070002, result_error((HRESULT)0x80070002, "spawn failed"), NULL, NULL, NULL);
  }
  proc_rec *pr = calloc(1, sizeof *pr); pr->pid = pid; pr->sys = s;
  /* Kept for HcsGetProcessInfo: a later opener gets duplicates of the output pipes (as a new owner would). */
  pr->out_fd = want_out ? fcntl(pout[0], F_DUPFD_CLOEXEC, 3) : -1;
  pr->err_fd = want_err ? fcntl(perr[0], F_DUPFD_CLOEXEC, 3) : -1;
  pthread_mutex_lock(&g); pr->next = s->procs; s->procs = pr; pthread_mutex_unlock(&g);
  pthread_t t; pthread_create(&t, NULL, reaper, pr); pthread_detach(t);
  proc_h *ph = open_proc_handle(pr);
  *out = ph;
  /* The stdio HANDLEs are pipe fds on Linux; the caller owns them. */
  PI pi = {(uint32_t)pid, 0, want_in ? (HANDLE)(intptr_t)pin[1] : NULL, want_out ? (HANDLE)(intptr_t)pout[0] : NULL, want_err ? (HANDLE)(intptr_t)perr[0] : NULL};
  pthread_mutex_lock(&g); if (is(op, K_OP)) ((op_t *)op)->proc = ph; pthread_mutex_unlock(&g);
  char sdoc[64]; snprintf(sdoc, sizeof sdoc, "{\"ProcessId\":%d}", pid);
  return start_op("-", op, 10, S_OK, strdup(sdoc), NULL, NULL, &pi);
}

EXPORT HRESULT HcsOpenProcess(void *h, uint32_t pid, uint32_t access, void **out) {
  logcall("HcsOpenProcess", 0);
  (void)access;
  if (!out) return E_POINTER;
  *out = NULL;
  if (!is(h, K_SYS)) return E_HANDLE;
  HRESULT fhr; char *fdoc;
  if (take_fail("HcsOpenProcess", &fhr, &fdoc, NULL)) { free(fdoc); return fhr; }
  proc_rec *found = NULL;
  pthread_mutex_lock(&g);
  for (proc_rec *p = ((sys_h *)h)->s->procs; p; p = p->next) if ((uint32_t)p->pid == pid) found = p;
  pthread_mutex_unlock(&g);
  if (!found) return ERROR_NOT_FOUND_HR;
  *out = open_proc_handle(found);
  return S_OK;
}

EXPORT void HcsCloseProcess(void *h) {
  logcall("HcsCloseProcess", 0);
  pthread_mutex_lock(&g);
  if (is(h, K_PROC)) { proc_h *x = h; x->h.closed = 1; x->cb = NULL; live[K_PROC]--; drain(&x->inflight); }
  pthread_mutex_unlock(&g);
}

EXPORT HRESULT HcsSetProcessCallback(void *h, int32_t options, uintptr_t ctx, ev_cb_t cb) {
  logcall("HcsSetProcessCallback", 0);
  (void)options;
  if (!is(h, K_PROC)) return E_HANDLE;
  pthread_mutex_lock(&g); ((proc_h *)h)->cb = cb; ((proc_h *)h)->ctx = ctx; pthread_mutex_unlock(&g);
  return S_OK;
}

static HRESULT proc_verb(const char *fn, int type, void *h, void *op, const WCHAR *arg) {
  logcall(fn, 1, arg);
  if (!is(h, K_PROC)) return E_HANDLE;
  proc_rec *p = ((proc_h *)h)->p;
  char *a = u8(arg);
  HRESULT hr = S_OK; char *doc = NULL;
  pthread_mutex_lock(&g);
  int exited = p->exited;
  pthread_mutex_unlock(&g);
  HRESULT sr;
  if (scripted(fn, op, type, &sr)) { free(a); return sr; }
  if (type == 13) { pthread_mutex_lock(&g); doc = proc_status(p); pthread_mutex_unlock(&g); }
  else if (exited) hr = HCS_E_PROCESS_ALREADY_STOPPED;
  else if (type == 11) {
    char *sig = jstr(a, "Signal");
    if (!sig) hr = E_INVALIDARG;
    else kill(-p->pid, strcmp(sig, "CtrlC") == 0 ? SIGINT : strcmp(sig, "CtrlBreak") == 0 ? SIGQUIT : SIGTERM);
    free(sig);
  } else if (type == 7) { kill(-p->pid, SIGKILL); kill(-p->pid, SIGCONT); }
  else if (type == 14) { if (!a || !jkey(a, "Operation")) hr = HCS_E_INVALID_JSON; }
  free(a);
  if (hr) doc = result_error(hr, "process verb rejected");
  return start_op("-", op, type, hr, doc, NULL, NULL, NULL);
}
EXPORT HRESULT HcsSignalProcess(void *h, void *op, const WCHAR *o) { return proc_verb("HcsSignalProcess", 11, h, op, o); }
EXPORT HRESULT HcsTerminateProcess(void *h, void *op, const WCHAR *o) { return proc_verb("HcsTerminateProcess", 7, h, op, o); }
EXPORT HRESULT HcsGetProcessProperties(void *h, void *op, const WCHAR *q) { return proc_verb("HcsGetProcessProperties", 13, h, op, q); }
EXPORT HRESULT HcsModifyProcess(void *h, void *op, const WCHAR *s) { return proc_verb("HcsModifyProcess", 14, h, op, s); }
EXPORT HRESULT HcsGetProcessInfo(void *h, void *op) {
  logcall("HcsGetProcessInfo", 0);
  if (!is(h, K_PROC)) return E_HANDLE;
  proc_rec *pr = ((proc_h *)h)->p;
  int o = pr->out_fd >= 0 ? fcntl(pr->out_fd, F_DUPFD_CLOEXEC, 3) : -1, e = pr->err_fd >= 0 ? fcntl(pr->err_fd, F_DUPFD_CLOEXEC, 3) : -1;
  PI pi = {(uint32_t)pr->pid, 0, NULL, o >= 0 ? (HANDLE)(intptr_t)o : NULL, e >= 0 ? (HANDLE)(intptr_t)e : NULL};
  return start_op("HcsGetProcessInfo", op, 12, S_OK, NULL, NULL, NULL, &pi);
}

/* ---------------------------------------------------------------- HCN */

enum { N_NETWORK, N_ENDPOINT, N_NAMESPACE, N_LB, N_KINDS };
typedef struct hcn_obj { int kind; char id[40]; char net[40]; char *doc; char *ns; char **res; size_t nres; int deleted; unsigned long stats_queries; struct hcn_obj *next; } hcn_obj;
typedef struct { hdr_t h; hcn_obj *o; } hcn_h;
static hcn_obj *hcn_objs;

static void guid_str(const uint8_t *g16, char *out) {
  uint32_t d1; uint16_t d2, d3; memcpy(&d1, g16, 4); memcpy(&d2, g16 + 4, 2); memcpy(&d3, g16 + 6, 2);
  snprintf(out, 40, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", d1, d2, d3, g16[8], g16[9], g16[10], g16[11], g16[12], g16[13], g16[14], g16[15]);
}
static int guid_zero(const uint8_t *g16) { for (int i = 0; i < 16; i++) if (g16[i]) return 0; return 1; }
static hcn_obj *find_obj(int kind, const char *id) {
  for (hcn_obj *o = hcn_objs; o; o = o->next) if (!o->deleted && o->kind == kind && strcasecmp(o->id, id) == 0) return o;
  return NULL;
}
static HRESULT not_found(int kind) { return kind == N_NETWORK ? HCN_E_NETWORK_NOT_FOUND : kind == N_ENDPOINT ? HCN_E_ENDPOINT_NOT_FOUND : ERROR_NOT_FOUND_HR; }
static HRESULT hcn_err(HRESULT hr, const char *msg, WCHAR **rec) {
  if (rec) {
    sb_t b = {0}; sb_str(&b, "{\"Success\":false,\"Error\":"); sb_jstr(&b, msg); sb_fmt(&b, ",\"ErrorCode\":%u}", (uint32_t)hr);
    pthread_mutex_lock(&g); *rec = out_str(b.p, 'C'); pthread_mutex_unlock(&g);
    free(b.p);
  }
  return hr;
}
static int hcn_fail(const char *fn, WCHAR **rec, HRESULT *hr) {
  char *doc;
  if (!take_fail(fn, hr, &doc, NULL)) return 0;
  if (rec) { pthread_mutex_lock(&g); *rec = out_str(doc ? doc : "{\"Success\":false,\"Error\":\"scripted failure\"}", 'C'); pthread_mutex_unlock(&g); }
  free(doc);
  return 1;
}
static char *obj_doc(hcn_obj *o) { /* caller holds g */
  sb_t b = {0}; sb_str(&b, "{\"ID\":\""); sb_str(&b, o->id); sb_str(&b, "\"");
  const char *rest = o->doc; while (*rest && *rest != '{') rest++;
  if (*rest) rest++;
  while (*rest == ' ' || *rest == '\n') rest++;
  if (o->ns) { sb_str(&b, ",\"HostComputeNamespace\":\""); sb_str(&b, o->ns); sb_str(&b, "\""); }
  if (o->net[0] && !jkey(o->doc, "HostComputeNetwork")) { sb_str(&b, ",\"HostComputeNetwork\":\""); sb_str(&b, o->net); sb_str(&b, "\""); }
  if (o->kind == N_NAMESPACE) {
    sb_str(&b, ",\"Resources\":[");
    for (size_t i = 0; i < o->nres; i++) sb_fmt(&b, "%s{\"Type\":\"Endpoint\",\"Data\":{\"ID\":\"%s\"}}", i ? "," : "", o->res[i]);
    sb_str(&b, "]");
  }
  if (*rest && *rest != '}') sb_str(&b, ",");
  sb_str(&b, rest);
  return b.p;
}
/* Strips "ID"/"HostComputeNamespace"/"Resources" writes from a create document (they are service-owned here). */
static HRESULT hcn_create(int kind, const char *fn, hcn_obj *net, const uint8_t *gid, const WCHAR *settings, void **out, WCHAR **rec) {
  HRESULT hr;
  if (out) *out = NULL;
  if (rec) *rec = NULL;
  if (hcn_fail(fn, rec, &hr)) return hr;
  char *s = u8(settings);
  const char *t = s; while (t && (*t == ' ' || *t == '\n')) t++;
  if (!s || *t != '{') { free(s); return hcn_err(HCN_E_INVALID_JSON, "The JSON document is invalid", rec); }
  if (kind == N_ENDPOINT && jkey(s, "HostComputeNamespace")) { free(s); return hcn_err((HRESULT)0x803b000c, "HostComputeNamespace is read-only", rec); }
  char id[40];
  if (gid && !guid_zero(gid)) guid_str(gid, id);
  else { uint8_t r[16]; for (int i = 0; i < 16; i++) r[i] = (uint8_t)rand(); r[7] = (r[7] & 0x0f) | 0x40; r[8] = (r[8] & 0x3f) | 0x80; guid_str(r, id); }
  pthread_mutex_lock(&g);
  if (find_obj(kind, id)) {
    pthread_mutex_unlock(&g); free(s);
    return hcn_err(kind == N_NETWORK ? HCN_E_NETWORK_ALREADY_EXISTS : ERROR_OBJECT_ALREADY_EXISTS_HR, "The object already exists", rec);
  }
  hcn_obj *o = calloc(1, sizeof *o); o->kind = kind; strcpy(o->id, id); o->doc = s;
  if (net) strcpy(o->net, net->id);
  o->next = hcn_objs; hcn_objs = o;
  pthread_mutex_unlock(&g);
  hcn_h *h = new_handle(sizeof *h, K_HCN); h->o = o;
  if (out) *out = h;
  return S_OK;
}
static HRESULT hcn_open(int kind, const char *fn, const uint8_t *gid, void **out, WCHAR **rec) {
  HRESULT hr;
  if (out) *out = NULL;
  if (rec) *rec = NULL;
  if (hcn_fail(fn, rec, &hr)) return hr;
  char id[40]; guid_str(gid, id);
  pthread_mutex_lock(&g); hcn_obj *o = find_obj(kind, id); pthread_mutex_unlock(&g);
  if (!o) return hcn_err(not_found(kind), "not found", rec);
  hcn_h *h = new_handle(sizeof *h, K_HCN); h->o = o; *out = h;
  return S_OK;
}
static HRESULT hcn_query(const char *fn, void *h, const WCHAR *q, WCHAR **props, WCHAR **rec) {
  HRESULT hr;
  if (props) *props = NULL;
  if (rec) *rec = NULL;
  if (!is(h, K_HCN)) return E_HANDLE;
  if (hcn_fail(fn, rec, &hr)) return hr;
  (void)q;
  pthread_mutex_lock(&g);
  hcn_obj *o = ((hcn_h *)h)->o;
  if (o->deleted) { pthread_mutex_unlock(&g); return hcn_err(not_found(o->kind), "deleted", rec); }
  char *d = obj_doc(o); *props = out_str(d, 'C');
  pthread_mutex_unlock(&g);
  free(d);
  return S_OK;
}
static HRESULT hcn_delete(int kind, const char *fn, const uint8_t *gid, WCHAR **rec) {
  HRESULT hr;
  if (rec) *rec = NULL;
  if (hcn_fail(fn, rec, &hr)) return hr;
  char id[40]; guid_str(gid, id);
  pthread_mutex_lock(&g);
  hcn_obj *o = find_obj(kind, id);
  if (o) {
    o->deleted = 1;
    if (kind == N_NAMESPACE) for (hcn_obj *e = hcn_objs; e; e = e->next) if (e->ns && strcasecmp(e->ns, o->id) == 0) { free(e->ns); e->ns = NULL; }
  }
  pthread_mutex_unlock(&g);
  return o ? S_OK : hcn_err(not_found(kind), "not found", rec);
}
/* Result: JSON array of GUID strings (as computenetwork returns); a Filter {"ID":...} is honoured. */
static HRESULT hcn_enum(int kind, const char *fn, const WCHAR *query, WCHAR **out, WCHAR **rec) {
  HRESULT hr;
  if (out) *out = NULL;
  if (rec) *rec = NULL;
  if (hcn_fail(fn, rec, &hr)) return hr;
  char *q = u8(query), *filter = q ? jstr(q, "Filter") : NULL, *fid = filter ? jstr(filter, "ID") : NULL;
  sb_t b = {0}; sb_str(&b, "[");
  pthread_mutex_lock(&g);
  int first = 1;
  for (hcn_obj *o = hcn_objs; o; o = o->next) {
    if (o->deleted || o->kind != kind) continue;
    if (fid && strcasecmp(fid, o->id) != 0) continue;
    sb_fmt(&b, "%s\"%s\"", first ? "" : ",", o->id); first = 0;
  }
  sb_str(&b, "]");
  *out = out_str(b.p, 'C');
  pthread_mutex_unlock(&g);
  free(b.p); free(q); free(filter); free(fid);
  return S_OK;
}
static void hcn_close(void *h) {
  pthread_mutex_lock(&g);
  if (is(h, K_HCN)) { ((hcn_h *)h)->h.closed = 1; live[K_HCN]--; }
  pthread_mutex_unlock(&g);
}
static HRESULT hcn_modify(const char *fn, void *h, const WCHAR *settings, WCHAR **rec) {
  HRESULT hr;
  if (rec) *rec = NULL;
  if (!is(h, K_HCN)) return E_HANDLE;
  if (hcn_fail(fn, rec, &hr)) return hr;
  hcn_obj *o = ((hcn_h *)h)->o;
  char *s = u8(settings);
  hr = S_OK;
  if (o->kind == N_NAMESPACE) {
    char *rt = jstr(s, "ResourceType"), *req = jstr(s, "RequestType"), *ep = jstr(s, "EndpointId");
    pthread_mutex_lock(&g);
    if (rt && strcmp(rt, "Endpoint") == 0) {
      hcn_obj *e = ep ? find_obj(N_ENDPOINT, ep) : NULL;
      if (!e) hr = HCN_E_ENDPOINT_NOT_FOUND;
      else if (req && strcmp(req, "Add") == 0) {
        if (e->ns) hr = HCN_E_ENDPOINT_NAMESPACE_ALREADY_EXISTS;
        else { e->ns = strdup(o->id); o->res = realloc(o->res, (o->nres + 1) * sizeof *o->res); o->res[o->nres++] = strdup(e->id); }
      } else if (req && strcmp(req, "Remove") == 0) {
        if (!e->ns || strcasecmp(e->ns, o->id) != 0) hr = HCN_E_ENDPOINT_NOT_ATTACHED;
        else {
          free(e->ns); e->ns = NULL;
          for (size_t i = 0; i < o->nres; i++) if (strcasecmp(o->res[i], e->id) == 0) { free(o->res[i]); o->res[i] = o->res[--o->nres]; break; }
        }
      } else hr = (HRESULT)0x803b0015;
    } else if (!rt) hr = HCN_E_INVALID_JSON;
    pthread_mutex_unlock(&g);
    free(rt); free(req); free(ep);
  }
  free(s);
  return hr ? hcn_err(hr, "modify rejected", rec) : S_OK;
}

#define HCN_FAMILY(K, Name, Plural)                                                                                                  \
  EXPORT HRESULT HcnEnumerate##Plural(const WCHAR *q, WCHAR **out, WCHAR **rec) { logcall("HcnEnumerate" #Plural, 1, q); return hcn_enum(K, "HcnEnumerate" #Plural, q, out, rec); } \
  EXPORT HRESULT HcnOpen##Name(const uint8_t *id, void **out, WCHAR **rec) { logcall("HcnOpen" #Name, 0); return hcn_open(K, "HcnOpen" #Name, id, out, rec); } \
  EXPORT HRESULT HcnModify##Name(void *h, const WCHAR *s, WCHAR **rec) { logcall("HcnModify" #Name, 1, s); return hcn_modify("HcnModify" #Name, h, s, rec); } \
  EXPORT HRESULT HcnQuery##Name##Properties(void *h, const WCHAR *q, WCHAR **p, WCHAR **rec) { logcall("HcnQuery" #Name "Properties", 1, q); return hcn_query("HcnQuery" #Name "Properties", h, q, p, rec); } \
  EXPORT HRESULT HcnDelete##Name(const uint8_t *id, WCHAR **rec) { logcall("HcnDelete" #Name, 0); return hcn_delete(K, "HcnDelete" #Name, id, rec); } \
  EXPORT void HcnClose##Name(void *h) { logcall("HcnClose" #Name, 0); hcn_close(h); }

HCN_FAMILY(N_NETWORK, Network, Networks)
HCN_FAMILY(N_ENDPOINT, Endpoint, Endpoints)
HCN_FAMILY(N_NAMESPACE, Namespace, Namespaces)
HCN_FAMILY(N_LB, LoadBalancer, LoadBalancers)

EXPORT HRESULT HcnCreateNetwork(const uint8_t *id, const WCHAR *s, void **out, WCHAR **rec) { logcall("HcnCreateNetwork", 1, s); return hcn_create(N_NETWORK, "HcnCreateNetwork", NULL, id, s, out, rec); }
EXPORT HRESULT HcnCreateNamespace(const uint8_t *id, const WCHAR *s, void **out, WCHAR **rec) { logcall("HcnCreateNamespace", 1, s); return hcn_create(N_NAMESPACE, "HcnCreateNamespace", NULL, id, s, out, rec); }
EXPORT HRESULT HcnCreateLoadBalancer(const uint8_t *id, const WCHAR *s, void **out, WCHAR **rec) { logcall("HcnCreateLoadBalancer", 1, s); return hcn_create(N_LB, "HcnCreateLoadBalancer", NULL, id, s, out, rec); }
EXPORT HRESULT HcnCreateEndpoint(void *net, const uint8_t *id, const WCHAR *s, void **out, WCHAR **rec) {
  logcall("HcnCreateEndpoint", 1, s);
  if (!is(net, K_HCN) || ((hcn_h *)net)->o->kind != N_NETWORK) return E_HANDLE;
  return hcn_create(N_ENDPOINT, "HcnCreateEndpoint", ((hcn_h *)net)->o, id, s, out, rec);
}

/* HcnQueryEndpointStats: a stats document whose counters grow with every query of the endpoint (3 packets of
 * 500 bytes in, 2 of 350 out, 1 dropped each way per query), so callers can see the counters move. */
EXPORT HRESULT HcnQueryEndpointStats(void *h, const WCHAR *q, WCHAR **stats, WCHAR **rec) {
  HRESULT hr;
  logcall("HcnQueryEndpointStats", 1, q);
  if (stats) *stats = NULL;
  if (rec) *rec = NULL;
  if (!is(h, K_HCN) || ((hcn_h *)h)->o->kind != N_ENDPOINT) return E_HANDLE;
  if (hcn_fail("HcnQueryEndpointStats", rec, &hr)) return hr;
  pthread_mutex_lock(&g);
  hcn_obj *o = ((hcn_h *)h)->o;
  if (o->deleted) { pthread_mutex_unlock(&g); return hcn_err(HCN_E_ENDPOINT_NOT_FOUND, "deleted", rec); }
  unsigned long n = ++o->stats_queries;
  char d[512];
  snprintf(d, sizeof d, "{\"EndpointID\":\"%s\",\"BytesReceived\":%lu,\"BytesSent\":%lu,"
    "\"PacketsReceived\":%lu,\"PacketsSent\":%lu,\"DroppedPacketsIncoming\":%lu,\"DroppedPacketsOutgoing\":%lu}",
    o->id, n * 1500, n * 700, n * 3, n * 2, n, n);
  *stats = out_str(d, 'C');
  pthread_mutex_unlock(&g);
  return S_OK;
}

/* ---------------------------------------------------------------- computestorage and vmcompute */

static HRESULT storage_call(const char *fn) { HRESULT hr; char *doc; if (take_fail(fn, &hr, &doc, NULL)) { free(doc); return hr; } return S_OK; }
EXPORT HRESULT HcsImportLayer(const WCHAR *p, const WCHAR *src, const WCHAR *ld) { logcall("HcsImportLayer", 3, p, src, ld); return storage_call("HcsImportLayer"); }
EXPORT HRESULT HcsExportLayer(const WCHAR *p, const WCHAR *dst, const WCHAR *ld, const WCHAR *o) { logcall("HcsExportLayer", 4, p, dst, ld, o); return storage_call("HcsExportLayer"); }
EXPORT HRESULT HcsDestroyLayer(const WCHAR *p) { logcall("HcsDestroyLayer", 1, p); return storage_call("HcsDestroyLayer"); }
EXPORT HRESULT HcsSetupBaseOSLayer(const WCHAR *p, HANDLE vhd, const WCHAR *o) { (void)vhd; logcall("HcsSetupBaseOSLayer", 2, p, o); return storage_call("HcsSetupBaseOSLayer"); }
EXPORT HRESULT HcsInitializeWritableLayer(const WCHAR *p, const WCHAR *ld, const WCHAR *o) { logcall("HcsInitializeWritableLayer", 3, p, ld, o); return storage_call("HcsInitializeWritableLayer"); }
EXPORT HRESULT HcsAttachLayerStorageFilter(const WCHAR *p, const WCHAR *ld) { logcall("HcsAttachLayerStorageFilter", 2, p, ld); return storage_call("HcsAttachLayerStorageFilter"); }
EXPORT HRESULT HcsDetachLayerStorageFilter(const WCHAR *p) { logcall("HcsDetachLayerStorageFilter", 1, p); return storage_call("HcsDetachLayerStorageFilter"); }
EXPORT HRESULT HcsFormatWritableLayerVhd(HANDLE vhd) { (void)vhd; logcall("HcsFormatWritableLayerVhd", 0); return storage_call("HcsFormatWritableLayerVhd"); }
EXPORT HRESULT HcsGetLayerVhdMountPath(HANDLE vhd, WCHAR **out) {
  (void)vhd; logcall("HcsGetLayerVhdMountPath", 0);
  HRESULT hr = storage_call("HcsGetLayerVhdMountPath"); if (hr) return hr;
  pthread_mutex_lock(&g); *out = out_str("\\\\?\\Volume{6f1b1c1e-0000-0000-0000-100000000000}\\", 'L'); pthread_mutex_unlock(&g);
  return S_OK;
}
/* vmcompute GetLayerMountPath(DriverInfo*, path, size_t* length, PWSTR buffer): two-call pattern; length in WCHARs incl. NUL. */
typedef struct { int32_t Flavour; int32_t pad; const WCHAR *HomeDir; } DriverInfo;
EXPORT HRESULT GetLayerMountPath(const DriverInfo *info, const WCHAR *path, uint64_t *length, WCHAR *buffer) {
  logcall("GetLayerMountPath", 2, info ? info->HomeDir : NULL, path);
  HRESULT hr = storage_call("GetLayerMountPath"); if (hr) return hr;
  if (!info || info->Flavour != 1 || !length) return E_INVALIDARG;
  char *p = u8(path);
  sb_t b = {0}; sb_str(&b, "\\\\?\\Volume{fake-"); sb_str(&b, p); sb_str(&b, "}\\");
  size_t n; WCHAR *w = u16(b.p, &n);
  HRESULT r = S_OK;
  if (!buffer) *length = n + 1;
  else if (*length < n + 1) r = (HRESULT)0x8007007a; /* ERROR_INSUFFICIENT_BUFFER */
  else memcpy(buffer, w, (n + 1) * sizeof(WCHAR));
  free(w); free(b.p); free(p);
  return r;
}

/* vmcompute ExpandSandboxSize(DriverInfo*, path, uint64 size): the size is logged as the third argument. */
EXPORT HRESULT ExpandSandboxSize(const DriverInfo *info, const WCHAR *path, uint64_t size) {
  char num[32]; snprintf(num, sizeof num, "%llu", (unsigned long long)size);
  size_t n; WCHAR *w = u16(num, &n);
  logcall("ExpandSandboxSize", 3, info ? info->HomeDir : NULL, path, w);
  free(w);
  HRESULT hr = storage_call("ExpandSandboxSize"); if (hr) return hr;
  if (!info || info->Flavour != 1 || !path || size == 0) return E_INVALIDARG;
  return S_OK;
}

/* ---------------------------------------------------------------- kernel32 / advapi32 / ucrtbase */

int fake_job_close(HANDLE h); /* fakejob.c / fakeproc.c handles: 1/0, or -1 when not theirs */
intptr_t fake_proc_osfhandle(intptr_t h); /* fakeproc.c: its pipe handles → their fds */
EXPORT int CloseHandle(HANDLE h) {
  logcall("CloseHandle", 0);
  int theirs = fake_job_close(h);
  if (theirs >= 0) return theirs;
  pthread_mutex_lock(&g);
  int ok = is(h, K_FILE);
  if (ok) { ((hdr_t *)h)->closed = 1; live[K_FILE]--; }
  pthread_mutex_unlock(&g);
  return ok;
}
EXPORT intptr_t _open_osfhandle(intptr_t h, int flags) { (void)flags; logcall("_open_osfhandle", 0); return fake_proc_osfhandle(h); }

/* Security descriptors are kept as their SDDL text. */
typedef struct { char magic[4]; char *sddl; } sd_t;
static char *pipe_sddl; static char *pipe_path_set;
EXPORT int ConvertStringSecurityDescriptorToSecurityDescriptorW(const WCHAR *sddl, uint32_t rev, void **sd, uint32_t *size) {
  logcall("ConvertStringSecurityDescriptorToSecurityDescriptorW", 1, sddl);
  if (rev != 1 || !sd || !sddl) return 0;
  sd_t *d = malloc(sizeof *d); memcpy(d->magic, "SDDL", 4); d->sddl = u8(sddl);
  pthread_mutex_lock(&g); *sd = track(d, 'L'); pthread_mutex_unlock(&g);
  if (size) *size = (uint32_t)sizeof *d;
  return 1;
}
EXPORT int ConvertSecurityDescriptorToStringSecurityDescriptorW(const void *sd, uint32_t rev, uint32_t info, WCHAR **out, uint32_t *len) {
  logcall("ConvertSecurityDescriptorToStringSecurityDescriptorW", 0);
  (void)info;
  const sd_t *d = sd;
  if (rev != 1 || !d || memcmp(d->magic, "SDDL", 4) != 0 || !out) return 0;
  pthread_mutex_lock(&g); *out = out_str(d->sddl, 'L'); pthread_mutex_unlock(&g);
  if (len) *len = (uint32_t)strlen(d->sddl);
  return 1;
}
typedef struct { hdr_t h; char *path; } file_h;
EXPORT HANDLE CreateFileW(const WCHAR *name, uint32_t access, uint32_t share, void *sa, uint32_t disp, uint32_t flags, HANDLE tmpl) {
  logcall("CreateFileW", 1, name);
  (void)share; (void)sa; (void)flags; (void)tmpl;
  if (disp != 3 /* OPEN_EXISTING */ || !(access & 0x00040000u /* WRITE_DAC */)) return (HANDLE)(intptr_t)-1;
  file_h *h = new_handle(sizeof *h, K_FILE); h->path = u8(name);
  return h;
}
EXPORT int SetKernelObjectSecurity(HANDLE h, uint32_t info, const void *sd) {
  logcall("SetKernelObjectSecurity", 0);
  const sd_t *d = sd;
  if (!is(h, K_FILE) || !d || !(info & 0x4u /* DACL_SECURITY_INFORMATION */)) return 0;
  pthread_mutex_lock(&g);
  free(pipe_sddl); pipe_sddl = strdup(d->sddl); free(pipe_path_set); pipe_path_set = strdup(((file_h *)h)->path);
  pthread_mutex_unlock(&g);
  return 1;
}
/* GetKernelObjectSecurity(h, info, buffer, size, needed): two-call pattern. */
EXPORT int GetKernelObjectSecurity(HANDLE h, uint32_t info, void *buf, uint32_t size, uint32_t *needed) {
  logcall("GetKernelObjectSecurity", 0);
  (void)info;
  if (!is(h, K_FILE) || !needed) return 0;
  pthread_mutex_lock(&g);
  const char *s = pipe_sddl ? pipe_sddl : "D:(A;;GR;;;WD)(A;;GA;;;SY)(A;;GA;;;BA)";
  size_t need = sizeof(sd_t) + strlen(s) + 1;
  *needed = (uint32_t)need;
  int ok = 0;
  if (buf && size >= need) { sd_t *d = buf; memcpy(d->magic, "SDDL", 4); d->sddl = (char *)buf + sizeof(sd_t); strcpy(d->sddl, s); ok = 1; }
  pthread_mutex_unlock(&g);
  return ok;
}

/* ---------------------------------------------------------------- test-only controls */

EXPORT void FakeFail(const char *fn, int32_t hr, const char *doc, int count, int sync) {
  fail_t *f = calloc(1, sizeof *f);
  snprintf(f->fn, sizeof f->fn, "%s", fn); f->hr = hr; f->doc = doc && *doc ? strdup(doc) : NULL; f->count = count; f->sync = sync;
  pthread_mutex_lock(&g); f->next = fails; fails = f; pthread_mutex_unlock(&g);
}
EXPORT void FakeClearFails(void) { pthread_mutex_lock(&g); for (fail_t *f = fails; f; f = f->next) f->count = 0; pthread_mutex_unlock(&g); }
EXPORT void FakeSetDelay(int ms) { delay_ms = ms; }
EXPORT uint64_t FakeCallLogLength(void) { pthread_mutex_lock(&g); uint64_t n = calllog.n; pthread_mutex_unlock(&g); return n; }
EXPORT uint64_t FakeCallLogRead(uint8_t *buf, uint64_t len) {
  pthread_mutex_lock(&g); uint64_t n = calllog.n < len ? calllog.n : len; if (n) memcpy(buf, calllog.p, n); pthread_mutex_unlock(&g);
  return n;
}
EXPORT void FakeCallLogClear(void) { pthread_mutex_lock(&g); calllog.n = 0; if (calllog.p) calllog.p[0] = 0; pthread_mutex_unlock(&g); }
/* Strings handed out and not (yet) freed. */
EXPORT int FakeOutstandingStrings(void) { int n = 0; pthread_mutex_lock(&g); for (size_t i = 0; i < ntracks; i++) if (!tracks[i].freed) n++; pthread_mutex_unlock(&g); return n; }
EXPORT int FakeStringsHandedOut(void) { pthread_mutex_lock(&g); int n = (int)ntracks; pthread_mutex_unlock(&g); return n; }
EXPORT int FakeFreeErrors(void) { return free_errors; }
EXPORT const char *FakeLastFreeError(void) { return last_free_error; }
/* Open handles of a kind: 1 operation, 2 system, 3 process, 4 HCN object, 5 file; 0 = all. */
EXPORT int FakeLiveHandles(int kind) {
  pthread_mutex_lock(&g); int n = 0; for (int k = 1; k < K_NKINDS; k++) if (!kind || k == kind) n += live[k]; pthread_mutex_unlock(&g);
  return n;
}
EXPORT const char *FakePipeSddl(void) { return pipe_sddl ? pipe_sddl : ""; }
/* Hands a UTF-16 string back as a LocalFree string (for round-trip tests). */
EXPORT HRESULT FakeEcho(const WCHAR *in, WCHAR **out) {
  logcall("FakeEcho", 1, in);
  char *s = u8(in); pthread_mutex_lock(&g); *out = out_str(s, 'L'); pthread_mutex_unlock(&g); free(s);
  return S_OK;
}
/* Calls cb(ctx) from a new thread `times` times (foreign-thread callback test). */
typedef struct { op_cb_t cb; uintptr_t ctx; } fire_t;
static void *fire_thread(void *a) { fire_t *f = a; f->cb(NULL, f->ctx); free(f); return NULL; }
EXPORT void FakeFireFromThread(op_cb_t cb, uintptr_t ctx, int times) {
  for (int i = 0; i < times; i++) { fire_t *f = malloc(sizeof *f); f->cb = cb; f->ctx = ctx + (uintptr_t)i; pthread_t t; pthread_create(&t, NULL, fire_thread, f); pthread_detach(t); }
}
/* Terminates and reaps every process the library started (test cleanup). */
/* The system dies on its own (a utility VM's worker process crashing): its hosted systems, then it, exit. */
EXPORT int FakeCrashSystem(const char *id) {
  pthread_mutex_lock(&g);
  sys_rec *s = NULL;
  for (sys_rec *r = systems; r; r = r->next) if (!r->forgotten && strcmp(r->id, id) == 0) s = r;
  int ok = s && s->state != ST_STOPPED;
  if (ok) { stop_hosted(s); kill_all(s, SIGKILL); wait_all_exited(s, 5000); system_exited(s, "UnexpectedExit"); }
  pthread_mutex_unlock(&g);
  return ok;
}

EXPORT void FakeKillAll(void) {
  pthread_mutex_lock(&g);
  for (sys_rec *s = systems; s; s = s->next) kill_all(s, SIGKILL);
  for (sys_rec *s = systems; s; s = s->next) wait_all_exited(s, 5000);
  pthread_mutex_unlock(&g);
}
