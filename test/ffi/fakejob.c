/*
 * Job objects, process creation, logon and the bind filter for the fake Windows libraries (compiled into the same
 * shared object as fakehcs.c). Enough behaviour to exercise src/platform/windows/ffi/jobobject.ts and the job
 * container logic in src/platform/windows/jobs.ts on Linux: named jobs with their limits, silo promotion, bind
 * filter mappings, assigned (fake) processes with accounting, termination and handle closing. Test controls:
 *   FakeJobDescribe(name)  → JSON text of the job's recorded state (static buffer), "" when unknown
 *   FakeJobAddProcess(name, pid, user100ns, kernel100ns)  a process running in the job
 *   FakeJobExitAll(name)   every process of the job exits
 * Processes created by fakeproc.c are assigned for real: their exits update the accounting and are posted to the
 * job's completion port (JOB_OBJECT_MSG_EXIT_PROCESS, then JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))
typedef uint16_t WCHAR;
typedef void *HANDLE;

#define MAXJOBS 64
#define MAXPROCS 16
#define MAXBINDS 8

typedef struct {
  char magic[4];
  char name[128];
  int used, open_handles, silo, terminated, exit_code;
  uint32_t limit_flags; uint64_t job_memory; uint32_t cpu_flags, cpu_value;
  int nproc; uint32_t pids[MAXPROCS]; int64_t user[MAXPROCS], kernel[MAXPROCS]; int active[MAXPROCS];
  int nbind; char bind_root[MAXBINDS][128], bind_target[MAXBINDS][128]; uint32_t bind_flags[MAXBINDS];
  HANDLE port; uintptr_t port_key;
} job_t;

int fake_proc_assign(HANDLE h, void *job, uint32_t *pid);   /* fakeproc.c */
void fake_proc_kill_job(void *job, uint32_t code);
int fake_port_valid(HANDLE h);
void fake_port_post(HANDLE h, uint32_t msg, uintptr_t key, uintptr_t pid);

static job_t jobs[MAXJOBS];
static pthread_mutex_t jm = PTHREAD_MUTEX_INITIALIZER;
static __thread uint32_t last_error;

static void narrow(const WCHAR *w, char *out, size_t n) {
  size_t i = 0;
  if (w) for (; w[i] && i + 1 < n; i++) out[i] = (char)(w[i] < 128 ? w[i] : '?');
  out[i] = 0;
}
static job_t *by_name(const char *name) {
  for (int i = 0; i < MAXJOBS; i++) if (jobs[i].used && strcmp(jobs[i].name, name) == 0) return &jobs[i];
  return NULL;
}
/* A handle is a tagged pointer to the job slot (low bit set so it never looks like a fakehcs object). */
static HANDLE handle_of(job_t *j) { return (HANDLE)((uintptr_t)j | 1); }
static job_t *job_of(HANDLE h) {
  uintptr_t p = (uintptr_t)h;
  if (!(p & 1)) return NULL;
  job_t *j = (job_t *)(p & ~(uintptr_t)1);
  if (j < jobs || j >= jobs + MAXJOBS || !j->used) return NULL;
  return j;
}

EXPORT uint32_t GetLastError(void) { return last_error; }
void fake_set_last_error(uint32_t e) { last_error = e; }
void *fake_job_ptr(HANDLE h) { pthread_mutex_lock(&jm); void *j = job_of(h); pthread_mutex_unlock(&jm); return j; }
/* A fakeproc.c process of the job exited: accounting, then the completion port messages. */
void fake_job_proc_exit(void *job, uint32_t pid) {
  pthread_mutex_lock(&jm);
  job_t *j = job;
  int was = 0, active = 0;
  for (int i = 0; i < j->nproc; i++) { if (j->pids[i] == pid && j->active[i]) { j->active[i] = 0; was = 1; } active += j->active[i]; }
  HANDLE port = j->used ? j->port : NULL; uintptr_t key = j->port_key;
  pthread_mutex_unlock(&jm);
  if (port) {
    fake_port_post(port, 7, key, pid);
    if (was && active == 0) fake_port_post(port, 4, key, 0);
  }
}

EXPORT HANDLE CreateJobObjectW(void *sa, const WCHAR *name) {
  char n[128]; narrow(name, n, sizeof n);
  pthread_mutex_lock(&jm);
  job_t *j = by_name(n);
  if (j) { j->open_handles++; last_error = 183; /* ERROR_ALREADY_EXISTS, handle still returned */ pthread_mutex_unlock(&jm); return handle_of(j); }
  for (int i = 0; i < MAXJOBS; i++) if (!jobs[i].used) { j = &jobs[i]; break; }
  if (!j) { last_error = 8; pthread_mutex_unlock(&jm); return NULL; }
  memset(j, 0, sizeof *j);
  j->used = 1; j->open_handles = 1; strcpy(j->name, n); memcpy(j->magic, "JOB", 4);
  last_error = 0;
  pthread_mutex_unlock(&jm);
  return handle_of(j);
}

EXPORT HANDLE OpenJobObjectW(uint32_t access, int inherit, const WCHAR *name) {
  char n[128]; narrow(name, n, sizeof n);
  pthread_mutex_lock(&jm);
  job_t *j = by_name(n);
  if (!j) { last_error = 2; /* ERROR_FILE_NOT_FOUND */ pthread_mutex_unlock(&jm); return NULL; }
  j->open_handles++;
  pthread_mutex_unlock(&jm);
  return handle_of(j);
}

int fake_proc_close(HANDLE h);
/* Called first by fakehcs.c's CloseHandle: 1/0 for handles of fakejob.c / fakeproc.c, -1 for others. */
int fake_job_close(HANDLE h) {
  int r = fake_proc_close(h);
  if (r >= 0) return r;
  if (!((uintptr_t)h & 1)) return -1;
  pthread_mutex_lock(&jm);
  job_t *j = job_of(h);
  if (j && j->open_handles > 0) {
    j->open_handles--;
    /* A job without handles and without processes disappears (kill-on-close is never set by wincri). */
    int active = 0;
    for (int i = 0; i < j->nproc; i++) active += j->active[i];
    if (j->open_handles == 0 && (active == 0 || (j->limit_flags & 0x2000))) j->used = 0;
  }
  pthread_mutex_unlock(&jm);
  return j != NULL;
}

EXPORT int SetInformationJobObject(HANDLE h, int cls, void *info, uint32_t len) {
  pthread_mutex_lock(&jm);
  job_t *j = job_of(h);
  int ok = 1;
  if (!j) { last_error = 6; ok = 0; }
  else if (cls == 9 && len == 144) { j->limit_flags = *(uint32_t *)((char *)info + 16); j->job_memory = *(uint64_t *)((char *)info + 120); }
  else if (cls == 15 && len == 8) { j->cpu_flags = ((uint32_t *)info)[0]; j->cpu_value = ((uint32_t *)info)[1]; }
  else if (cls == 35) { j->silo = 1; }
  else if (cls == 7 && len == 16) {
    HANDLE port = *(HANDLE *)((char *)info + 8);
    /* One completion port per job: a second association (a restarted daemon) is refused. */
    if (j->port || !fake_port_valid(port)) { last_error = 87; ok = 0; } else { j->port = port; j->port_key = *(uintptr_t *)info; }
  }
  else { last_error = 87; ok = 0; /* ERROR_INVALID_PARAMETER */ }
  pthread_mutex_unlock(&jm);
  return ok;
}

EXPORT int QueryInformationJobObject(HANDLE h, int cls, void *info, uint32_t len, uint32_t *ret) {
  pthread_mutex_lock(&jm);
  job_t *j = job_of(h);
  int ok = 1;
  if (!j) { last_error = 6; ok = 0; }
  else if (cls == 1 && len >= 48) {
    char *b = info; memset(b, 0, 48);
    int64_t u = 0, k = 0; uint32_t active = 0, terminated = 0;
    for (int i = 0; i < j->nproc; i++) { u += j->user[i]; k += j->kernel[i]; if (j->active[i]) active++; else terminated++; }
    memcpy(b, &u, 8); memcpy(b + 8, &k, 8);
    uint32_t total = (uint32_t)j->nproc; memcpy(b + 36, &total, 4); memcpy(b + 40, &active, 4); memcpy(b + 44, &terminated, 4);
    if (ret) *ret = 48;
  } else if (cls == 3 && len >= 16) {
    uint32_t cap = (len - 8) / 8, n = 0, listed = 0;
    uint64_t *ids = (uint64_t *)((char *)info + 8);
    for (int i = 0; i < j->nproc; i++) if (j->active[i]) { if (listed < cap) ids[listed++] = j->pids[i]; n++; }
    ((uint32_t *)info)[0] = n; ((uint32_t *)info)[1] = listed;
    if (ret) *ret = 8 + 8 * listed;
    if (listed < n) { last_error = 234; ok = 0; /* ERROR_MORE_DATA */ }
  } else { last_error = 87; ok = 0; }
  pthread_mutex_unlock(&jm);
  return ok;
}

EXPORT int AssignProcessToJobObject(HANDLE h, HANDLE process) {
  pthread_mutex_lock(&jm);
  job_t *j = job_of(h);
  int ok = j && j->nproc < MAXPROCS;
  uint32_t pid = 0;
  if (ok && !fake_proc_assign(process, j, &pid)) { ok = 0; }
  if (ok) { int i = j->nproc++; j->pids[i] = pid; j->active[i] = 1; j->user[i] = j->kernel[i] = 0; }
  else last_error = 6;
  pthread_mutex_unlock(&jm);
  return ok;
}

EXPORT int TerminateJobObject(HANDLE h, uint32_t code) {
  pthread_mutex_lock(&jm);
  job_t *j = job_of(h);
  int active = 0; HANDLE port = NULL; uintptr_t key = 0;
  if (j) {
    j->terminated = 1; j->exit_code = (int)code;
    for (int i = 0; i < j->nproc; i++) { active += j->active[i]; j->active[i] = 0; }
    port = j->port; key = j->port_key;
  } else last_error = 6;
  pthread_mutex_unlock(&jm);
  if (j) fake_proc_kill_job(j, code);
  if (port && active) fake_port_post(port, 4, key, 0);
  return j != NULL;
}

EXPORT int32_t BfSetupFilter(HANDLE h, uint32_t flags, const WCHAR *root, const WCHAR *target, void *exceptions, uint32_t count) {
  pthread_mutex_lock(&jm);
  job_t *j = job_of(h);
  int32_t hr = 0;
  if (!j) hr = (int32_t)0x80070006; /* E_HANDLE */
  else if (!j->silo) hr = (int32_t)0x80070057; /* a silo-private mapping needs a silo */
  else if (j->nbind < MAXBINDS) {
    narrow(root, j->bind_root[j->nbind], 128); narrow(target, j->bind_target[j->nbind], 128); j->bind_flags[j->nbind] = flags; j->nbind++;
  }
  pthread_mutex_unlock(&jm);
  return hr;
}

EXPORT void FakeJobAddProcess(const char *name, uint32_t pid, int64_t user, int64_t kernel) {
  pthread_mutex_lock(&jm);
  job_t *j = by_name(name);
  if (j && j->nproc < MAXPROCS) { int i = j->nproc++; j->pids[i] = pid; j->user[i] = user; j->kernel[i] = kernel; j->active[i] = 1; }
  pthread_mutex_unlock(&jm);
}
EXPORT void FakeJobExitAll(const char *name) {
  pthread_mutex_lock(&jm);
  job_t *j = by_name(name);
  if (j) for (int i = 0; i < j->nproc; i++) j->active[i] = 0;
  pthread_mutex_unlock(&jm);
}
static char describe_buf[4096];
static const char *jesc(const char *in, char *out, size_t n) { /* JSON string escaping of \\ and \" */
  size_t o = 0;
  for (; *in && o + 2 < n; in++) { if (*in == '\\' || *in == '"') out[o++] = '\\'; out[o++] = *in; }
  out[o] = 0;
  return out;
}
EXPORT const char *FakeJobDescribe(const char *name) {
  pthread_mutex_lock(&jm);
  job_t *j = by_name(name);
  describe_buf[0] = 0;
  if (j) {
    int n = snprintf(describe_buf, sizeof describe_buf,
      "{\"handles\":%d,\"silo\":%d,\"terminated\":%d,\"exitCode\":%d,\"limitFlags\":%u,\"jobMemory\":%llu,\"cpuFlags\":%u,\"cpuValue\":%u,\"binds\":[",
      j->open_handles, j->silo, j->terminated, j->exit_code, j->limit_flags, (unsigned long long)j->job_memory, j->cpu_flags, j->cpu_value);
    char r[260], t[260];
    for (int i = 0; i < j->nbind && n < (int)sizeof describe_buf - 600; i++)
      n += snprintf(describe_buf + n, sizeof describe_buf - n, "%s{\"root\":\"%s\",\"target\":\"%s\",\"flags\":%u}", i ? "," : "",
                    jesc(j->bind_root[i], r, sizeof r), jesc(j->bind_target[i], t, sizeof t), j->bind_flags[i]);
    snprintf(describe_buf + n, sizeof describe_buf - n, "]}");
  }
  pthread_mutex_unlock(&jm);
  return describe_buf;
}
