/*
 * Host processes, tokens, local accounts, completion ports and volume mount points for the fake Windows libraries
 * (compiled with fakehcs.c and fakejob.c). Enough behaviour to run the HostProcess backend's process path
 * (src/platform/windows/jobs/) on Linux: CreatePipe hands out real pipes; CreateProcessAsUserW records the token's
 * user, command line, environment block and working directory and creates a fake process (suspended when asked)
 * whose "program" is driven by words in its command line, run by a thread once resumed:
 *   out=TEXT  write TEXT\n to stdout     err=TEXT  write TEXT\n to stderr     echo  copy stdin to stdout until EOF
 *   wait      run until terminated or sent a console control event          ignore-ctrl  ignore control events
 *   exit=N    exit code (default 0)      a command line containing "missing.exe" fails with ERROR_FILE_NOT_FOUND
 * Test controls (JSON text in static buffers):
 *   FakeProcDescribe(pid)  FakeAccounts()  FakeVolumeLog()  FakeAddUser(name, password)  FakeEnvBlocksOutstanding()
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
typedef uint16_t WCHAR;
typedef void *HANDLE;

#define PIPE_TAG (0x50ULL << 32)
#define RTHREAD_TAG (0x51ULL << 32)
#define MAXP 32
#define MAXT 64
#define MAXU 16
#define MAXQ 256
#define CTRL_ROUTINE ((void *)0x7ff01234)
#define KERNEL32_MODULE ((HANDLE)0x7ff00000)

extern void fake_set_last_error(uint32_t e);        /* fakejob.c */
extern void *fake_job_ptr(HANDLE h);                /* fakejob.c: the job behind a job handle, or NULL */
extern void fake_job_proc_exit(void *job, uint32_t pid);

typedef struct {
  uint64_t thread_tag; int used, handles, thread_open; uint32_t pid;
  char cmd[512], cwd[260], user[128], env[2048];
  uint32_t flags; int inherit, suspended, started, exited, killed, ctrl, assigned_before_resume;
  uint32_t exit_code; int fd_in, fd_out, fd_err; void *job;
} proc_t;
typedef struct { int used; char user[128]; uint32_t logon; } token_t;
typedef struct { char name[64], password[128], group[64]; int used; } user_t;
typedef struct { uint32_t msg; uintptr_t key, pid; } packet_t;
typedef struct { int used, closed, head, tail; packet_t q[MAXQ]; } port_t;

static proc_t procs[MAXP];
static token_t tokens[MAXT];
static user_t users[MAXU];
static port_t ports[4];
static pthread_mutex_t pm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pc = PTHREAD_COND_INITIALIZER;
static uint32_t next_pid = 5000;
static int env_blocks;
static char vlog[4096]; static size_t vlog_len;

static void narrow(const WCHAR *w, char *out, size_t n) {
  size_t i = 0;
  if (w) for (; w[i] && i + 1 < n; i++) out[i] = (char)(w[i] < 128 ? w[i] : '?');
  out[i] = 0;
}
#define IN_RANGE(h, arr, n) ((uintptr_t)(h) & 1 && (void *)((uintptr_t)(h) & ~(uintptr_t)1) >= (void *)(arr) && (void *)((uintptr_t)(h) & ~(uintptr_t)1) < (void *)((arr) + (n)))
static proc_t *slot_at(HANDLE h, size_t field) {
  if (!IN_RANGE(h, procs, MAXP)) return NULL;
  uintptr_t off = ((uintptr_t)h & ~(uintptr_t)1) - (uintptr_t)procs;
  proc_t *p = &procs[off / sizeof(proc_t)];
  return p->used && off % sizeof(proc_t) == field ? p : NULL;
}
/* Process handles point at `used`, thread handles at `thread_tag`. */
static proc_t *proc_of(HANDLE h) { return slot_at(h, offsetof(proc_t, used)); }
static proc_t *thread_of(HANDLE h) { return slot_at(h, offsetof(proc_t, thread_tag)); }
static HANDLE proc_handle(proc_t *p) { return (HANDLE)((uintptr_t)&p->used | 1); }
static HANDLE thread_handle(proc_t *p) { return (HANDLE)((uintptr_t)&p->thread_tag | 1); }
static token_t *token_of(HANDLE h) { return IN_RANGE(h, tokens, MAXT) && ((token_t *)((uintptr_t)h & ~(uintptr_t)1))->used ? (token_t *)((uintptr_t)h & ~(uintptr_t)1) : NULL; }
static port_t *port_of(HANDLE h) { return IN_RANGE(h, ports, 4) && ((port_t *)((uintptr_t)h & ~(uintptr_t)1))->used ? (port_t *)((uintptr_t)h & ~(uintptr_t)1) : NULL; }
static int pipe_fd(HANDLE h) { uint64_t v = (uint64_t)(uintptr_t)h; return (v & ~0xffffffffULL) == PIPE_TAG ? (int)(v & 0xffffffff) : -1; }

static HANDLE new_token(const char *user, uint32_t logon) {
  for (int i = 0; i < MAXT; i++) if (!tokens[i].used) {
    tokens[i].used = 1; tokens[i].logon = logon; snprintf(tokens[i].user, sizeof tokens[i].user, "%s", user);
    return (HANDLE)((uintptr_t)&tokens[i] | 1);
  }
  return NULL;
}
static void maybe_free(proc_t *p) { if (p->handles <= 0 && p->exited) p->used = 0; }

/* Called first by fakehcs.c's CloseHandle: 1/0 for handles of this file, -1 for others. */
int fake_proc_close(HANDLE h) {
  int fd = pipe_fd(h);
  if (fd >= 0) return close(fd) == 0;
  if (((uint64_t)(uintptr_t)h & ~0xffffffffULL) == RTHREAD_TAG) return 1;
  pthread_mutex_lock(&pm);
  int r = -1; proc_t *p; token_t *t; port_t *q;
  if ((p = proc_of(h))) { p->handles--; maybe_free(p); r = 1; }
  else if ((p = thread_of(h))) { p->thread_open = 0; p->handles--; maybe_free(p); r = 1; }
  else if ((t = token_of(h))) { t->used = 0; r = 1; }
  else if ((q = port_of(h))) { q->closed = 1; q->used = 0; pthread_cond_broadcast(&pc); r = 1; }
  pthread_mutex_unlock(&pm);
  return r;
}
intptr_t fake_proc_osfhandle(intptr_t h) { int fd = pipe_fd((HANDLE)h); return fd >= 0 ? fd : h; }

/* fakejob.c: AssignProcessToJobObject / TerminateJobObject / port association. */
int fake_proc_assign(HANDLE h, void *job, uint32_t *pid) {
  pthread_mutex_lock(&pm);
  proc_t *p = proc_of(h);
  if (p) { p->job = job; *pid = p->pid; if (p->suspended) p->assigned_before_resume = 1; }
  pthread_mutex_unlock(&pm);
  return p != NULL;
}
void fake_proc_kill_job(void *job, uint32_t code) {
  pthread_mutex_lock(&pm);
  for (int i = 0; i < MAXP; i++) if (procs[i].used && procs[i].job == job && !procs[i].exited && !procs[i].killed) { procs[i].killed = 1; procs[i].exit_code = code; }
  pthread_cond_broadcast(&pc);
  pthread_mutex_unlock(&pm);
}
int fake_port_valid(HANDLE h) { pthread_mutex_lock(&pm); int ok = port_of(h) != NULL; pthread_mutex_unlock(&pm); return ok; }
void fake_port_post(HANDLE h, uint32_t msg, uintptr_t key, uintptr_t pid) {
  pthread_mutex_lock(&pm);
  port_t *q = port_of(h);
  if (q && (q->tail + 1) % MAXQ != q->head) { q->q[q->tail] = (packet_t){ msg, key, pid }; q->tail = (q->tail + 1) % MAXQ; pthread_cond_broadcast(&pc); }
  pthread_mutex_unlock(&pm);
}

static const char *word(const char *cmd, const char *key, char *out, size_t n) {
  size_t kl = strlen(key);
  for (const char *s = cmd; (s = strstr(s, key)); s += kl) {
    if (s != cmd && s[-1] != ' ') continue;
    const char *v = s + kl; size_t i = 0;
    if (key[kl - 1] == '=') { while (v[i] && v[i] != ' ' && i + 1 < n) { out[i] = v[i]; i++; } }
    else if (*v && *v != ' ') continue;
    out[i] = 0;
    return out;
  }
  return NULL;
}
static void put(int fd, const char *text) { if (fd >= 0) { dprintf(fd, "%s\n", text); } }

static void *run(void *arg) {
  proc_t *p = arg; char v[256];
  if (word(p->cmd, "out=", v, sizeof v)) put(p->fd_out, v);
  if (word(p->cmd, "err=", v, sizeof v)) put(p->fd_err, v);
  int echo = word(p->cmd, "echo", v, sizeof v) != NULL, waiting = word(p->cmd, "wait", v, sizeof v) != NULL;
  int ignore = word(p->cmd, "ignore-ctrl", v, sizeof v) != NULL;
  uint32_t code = word(p->cmd, "exit=", v, sizeof v) ? (uint32_t)strtoul(v, NULL, 10) : 0;
  char buf[4096];
  while (echo && p->fd_in >= 0) {
    pthread_mutex_lock(&pm); int killed = p->killed; pthread_mutex_unlock(&pm);
    if (killed) break;
    struct pollfd f = { p->fd_in, POLLIN, 0 };
    if (poll(&f, 1, 20) <= 0) continue;
    ssize_t n = read(p->fd_in, buf, sizeof buf);
    if (n <= 0) break;
    if (p->fd_out >= 0 && write(p->fd_out, buf, (size_t)n) < 0) break;
  }
  pthread_mutex_lock(&pm);
  while (waiting && !p->killed && (p->ctrl < 0 || ignore)) {
    struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts); ts.tv_nsec += 20000000; if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
    pthread_cond_timedwait(&pc, &pm, &ts);
  }
  if (!p->killed) p->exit_code = code;
  int fds[3] = { p->fd_in, p->fd_out, p->fd_err };
  p->fd_in = p->fd_out = p->fd_err = -1;
  void *job = p->job; uint32_t pid = p->pid;
  pthread_mutex_unlock(&pm);
  for (int i = 0; i < 3; i++) if (fds[i] >= 0) close(fds[i]);
  pthread_mutex_lock(&pm); p->exited = 1; pthread_cond_broadcast(&pc); maybe_free(p); pthread_mutex_unlock(&pm);
  if (job) fake_job_proc_exit(job, pid);
  return NULL;
}
static void start(proc_t *p) {
  pthread_t t; p->started = 1;
  pthread_create(&t, NULL, run, p); pthread_detach(t);
}

EXPORT int CreatePipe(HANDLE *r, HANDLE *w, void *sa, uint32_t size) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) { fake_set_last_error(8); return 0; }
  *r = (HANDLE)(uintptr_t)(PIPE_TAG | (uint32_t)fds[0]); *w = (HANDLE)(uintptr_t)(PIPE_TAG | (uint32_t)fds[1]);
  return 1;
}
EXPORT int SetHandleInformation(HANDLE h, uint32_t mask, uint32_t flags) { return pipe_fd(h) >= 0; }

EXPORT int LogonUserW(const WCHAR *user, const WCHAR *domain, const WCHAR *password, uint32_t type, uint32_t provider, HANDLE *token) {
  char u[64], d[64], pw[128]; narrow(user, u, sizeof u); narrow(domain, d, sizeof d); narrow(password, pw, sizeof pw);
  char full[160]; int ok = 0;
  pthread_mutex_lock(&pm);
  if (strcasecmp(d, "NT AUTHORITY") == 0) {
    ok = type == 5 && !password && (!strcasecmp(u, "SYSTEM") || !strcasecmp(u, "LOCAL SERVICE") || !strcasecmp(u, "NETWORK SERVICE"));
    snprintf(full, sizeof full, "NT AUTHORITY\\%s", u);
  } else {
    for (int i = 0; i < MAXU; i++) if (users[i].used && !strcasecmp(users[i].name, u)) ok = type == 2 && strcmp(users[i].password, pw) == 0;
    snprintf(full, sizeof full, "%s", u);
  }
  HANDLE t = ok ? new_token(full, type) : NULL;
  pthread_mutex_unlock(&pm);
  if (!t) { fake_set_last_error(1326); return 0; } /* ERROR_LOGON_FAILURE */
  *token = t;
  return 1;
}

EXPORT int CreateProcessAsUserW(HANDLE token, const WCHAR *app, WCHAR *cmd, void *psa, void *tsa, int inherit, uint32_t flags,
                                void *env, const WCHAR *cwd, void *si, void *pi) {
  char c[512]; narrow(cmd, c, sizeof c);
  if (strstr(c, "missing.exe")) { fake_set_last_error(2); return 0; }
  pthread_mutex_lock(&pm);
  token_t *t = token_of(token);
  proc_t *p = NULL;
  if (t && (!env || (flags & 0x400))) for (int i = 0; i < MAXP; i++) if (!procs[i].used) { p = &procs[i]; break; }
  if (!p) { pthread_mutex_unlock(&pm); fake_set_last_error(t ? 8 : 6); return 0; }
  memset(p, 0, sizeof *p);
  p->used = 1; p->handles = 2; p->thread_open = 1; p->pid = next_pid++; p->flags = flags; p->inherit = inherit; p->ctrl = -1;
  snprintf(p->cmd, sizeof p->cmd, "%s", c); narrow(cwd, p->cwd, sizeof p->cwd); snprintf(p->user, sizeof p->user, "%s", t->user);
  size_t o = 0;
  for (const WCHAR *e = env; e && *e; e += 1) { /* entries separated by '\n' in the record */
    char line[512]; narrow(e, line, sizeof line); size_t l = strlen(line);
    if (o + l + 2 < sizeof p->env) { memcpy(p->env + o, line, l); o += l; p->env[o++] = '\n'; }
    while (*e) e++;
  }
  p->env[o] = 0;
  uint32_t sflags = *(uint32_t *)((char *)si + 60);
  HANDLE hs[3] = { *(HANDLE *)((char *)si + 80), *(HANDLE *)((char *)si + 88), *(HANDLE *)((char *)si + 96) };
  int *fds[3] = { &p->fd_in, &p->fd_out, &p->fd_err };
  for (int i = 0; i < 3; i++) { int fd = (sflags & 0x100) && inherit ? pipe_fd(hs[i]) : -1; *fds[i] = fd >= 0 ? dup(fd) : -1; }
  p->suspended = (flags & 0x4) != 0;
  char *out = pi;
  *(HANDLE *)out = proc_handle(p); *(HANDLE *)(out + 8) = thread_handle(p); *(uint32_t *)(out + 16) = p->pid; *(uint32_t *)(out + 20) = p->pid + 1;
  if (!p->suspended) start(p);
  pthread_mutex_unlock(&pm);
  return 1;
}

EXPORT uint32_t ResumeThread(HANDLE h) {
  pthread_mutex_lock(&pm);
  proc_t *p = thread_of(h);
  uint32_t r = p ? (uint32_t)p->suspended : 0xffffffff;
  if (p && p->suspended) { p->suspended = 0; start(p); }
  pthread_mutex_unlock(&pm);
  if (!p) fake_set_last_error(6);
  return r;
}

EXPORT HANDLE OpenProcess(uint32_t access, int inherit, uint32_t pid) {
  pthread_mutex_lock(&pm);
  proc_t *p = NULL;
  for (int i = 0; i < MAXP; i++) if (procs[i].used && procs[i].pid == pid) p = &procs[i];
  if (p) p->handles++;
  pthread_mutex_unlock(&pm);
  if (!p) { fake_set_last_error(87); return NULL; }
  return proc_handle(p);
}
EXPORT int IsProcessInJob(HANDLE h, HANDLE job, int *result) {
  void *j = fake_job_ptr(job);
  pthread_mutex_lock(&pm);
  proc_t *p = proc_of(h);
  if (p) *result = j && p->job == j;
  pthread_mutex_unlock(&pm);
  if (!p) fake_set_last_error(6);
  return p != NULL;
}
EXPORT int GetExitCodeProcess(HANDLE h, uint32_t *code) {
  pthread_mutex_lock(&pm);
  proc_t *p = proc_of(h);
  if (p) *code = p->exited ? p->exit_code : 259;
  pthread_mutex_unlock(&pm);
  if (!p) fake_set_last_error(6);
  return p != NULL;
}
EXPORT uint32_t WaitForSingleObject(HANDLE h, uint32_t ms) {
  pthread_mutex_lock(&pm);
  proc_t *p = proc_of(h);
  struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += ms / 1000; ts.tv_nsec += (long)(ms % 1000) * 1000000; if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
  while (p && !p->exited && ms > 0 && pthread_cond_timedwait(&pc, &pm, &ts) == 0) {}
  uint32_t r = !p ? 0xffffffff : p->exited ? 0 : 258;
  pthread_mutex_unlock(&pm);
  return r;
}
EXPORT int TerminateProcess(HANDLE h, uint32_t code) {
  pthread_mutex_lock(&pm);
  proc_t *p = proc_of(h);
  int ok = p && !p->exited;
  if (ok) { p->killed = 1; p->exit_code = code; pthread_cond_broadcast(&pc); }
  pthread_mutex_unlock(&pm);
  if (!ok) fake_set_last_error(p ? 5 : 6);
  return ok;
}
EXPORT HANDLE GetModuleHandleW(const WCHAR *name) { char n[64]; narrow(name, n, sizeof n); return strcasecmp(n, "kernel32.dll") == 0 ? KERNEL32_MODULE : NULL; }
EXPORT void *GetProcAddress(HANDLE mod, const char *name) { return mod == KERNEL32_MODULE && strcmp(name, "CtrlRoutine") == 0 ? CTRL_ROUTINE : NULL; }
EXPORT HANDLE CreateRemoteThread(HANDLE h, void *sa, size_t stack, void *startAddr, uintptr_t param, uint32_t flags, uint32_t *tid) {
  static uint32_t n;
  pthread_mutex_lock(&pm);
  proc_t *p = proc_of(h);
  int ok = p && !p->exited && startAddr == CTRL_ROUTINE;
  if (ok) { p->ctrl = (int)param; pthread_cond_broadcast(&pc); }
  pthread_mutex_unlock(&pm);
  if (!ok) { fake_set_last_error(p ? 5 : 6); return NULL; }
  return (HANDLE)(uintptr_t)(RTHREAD_TAG | ++n);
}
EXPORT int OpenProcessToken(HANDLE h, uint32_t access, HANDLE *token) {
  pthread_mutex_lock(&pm);
  proc_t *p = proc_of(h);
  HANDLE t = p ? new_token(p->user, 0) : NULL;
  pthread_mutex_unlock(&pm);
  if (!t) { fake_set_last_error(6); return 0; }
  *token = t;
  return 1;
}
EXPORT int CreateEnvironmentBlock(void **block, HANDLE token, int inherit) {
  pthread_mutex_lock(&pm);
  token_t *t = token_of(token);
  char text[512] = "";
  if (t) { const char *s = strrchr(t->user, '\\'); snprintf(text, sizeof text, "USERPROFILE=C:\\Users\\%s|Path=C:\\Windows\\system32;C:\\Windows|", s ? s + 1 : t->user); env_blocks++; }
  pthread_mutex_unlock(&pm);
  if (!t) { fake_set_last_error(6); return 0; }
  size_t n = strlen(text); WCHAR *w = calloc(n + 2, sizeof(WCHAR));
  for (size_t i = 0; i < n; i++) w[i] = text[i] == '|' ? 0 : (WCHAR)text[i];
  *block = w;
  return 1;
}
EXPORT int DestroyEnvironmentBlock(void *block) { pthread_mutex_lock(&pm); env_blocks--; pthread_mutex_unlock(&pm); free(block); return 1; }
EXPORT int FakeEnvBlocksOutstanding(void) { return env_blocks; }

EXPORT HANDLE CreateIoCompletionPort(HANDLE file, HANDLE existing, uintptr_t key, uint32_t threads) {
  pthread_mutex_lock(&pm);
  HANDLE h = NULL;
  for (int i = 0; i < 4 && !h; i++) if (!ports[i].used) { memset(&ports[i], 0, sizeof ports[i]); ports[i].used = 1; h = (HANDLE)((uintptr_t)&ports[i] | 1); }
  pthread_mutex_unlock(&pm);
  if (!h) fake_set_last_error(8);
  return h;
}
EXPORT int GetQueuedCompletionStatus(HANDLE h, uint32_t *bytes, uintptr_t *key, uintptr_t *ov, uint32_t ms) {
  pthread_mutex_lock(&pm);
  port_t *q = port_of(h);
  struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += ms / 1000; ts.tv_nsec += (long)(ms % 1000) * 1000000; if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
  while (q && q->used && q->head == q->tail && pthread_cond_timedwait(&pc, &pm, &ts) == 0) {}
  int ok = q && q->used && q->head != q->tail;
  if (ok) { packet_t k = q->q[q->head]; q->head = (q->head + 1) % MAXQ; *bytes = k.msg; *key = k.key; *ov = k.pid; }
  pthread_mutex_unlock(&pm);
  if (!ok) fake_set_last_error(q ? 258 : 735);
  return ok;
}

/* Local accounts: a user table; groups that exist are Administrators, Users and "HPC Agents". */
static const char *GROUPS[] = { "Administrators", "Users", "HPC Agents" };
static int group_exists(const char *g) { for (unsigned i = 0; i < 3; i++) if (!strcasecmp(GROUPS[i], g)) return 1; return 0; }
EXPORT void FakeAddUser(const char *name, const char *password) {
  pthread_mutex_lock(&pm);
  for (int i = 0; i < MAXU; i++) if (!users[i].used) { users[i].used = 1; snprintf(users[i].name, 64, "%s", name); snprintf(users[i].password, 128, "%s", password); break; }
  pthread_mutex_unlock(&pm);
}
EXPORT uint32_t NetLocalGroupGetInfo(const WCHAR *server, const WCHAR *group, uint32_t level, void **buf) {
  char g[64]; narrow(group, g, sizeof g);
  if (!group_exists(g)) return 2220; /* NERR_GroupNotFound */
  *buf = malloc(16);
  return 0;
}
EXPORT uint32_t NetApiBufferFree(void *p) { free(p); return 0; }
EXPORT uint32_t NetUserAdd(const WCHAR *server, uint32_t level, void *info, uint32_t *parm) {
  char n[64], pw[128]; char *b = info;
  narrow(*(WCHAR **)b, n, sizeof n); narrow(*(WCHAR **)(b + 8), pw, sizeof pw);
  uint32_t priv = *(uint32_t *)(b + 20), flags = *(uint32_t *)(b + 40);
  if (level != 1 || priv != 1 || !(flags & 1) || strlen(n) == 0 || strlen(n) > 20) return 87;
  int up = 0, lo = 0, dg = 0;
  for (char *c = pw; *c; c++) { up |= *c >= 'A' && *c <= 'Z'; lo |= *c >= 'a' && *c <= 'z'; dg |= *c >= '0' && *c <= '9'; }
  if (strlen(pw) < 14 || !up || !lo || !dg) return 2245; /* NERR_PasswordTooShort: the policy refuses it */
  pthread_mutex_lock(&pm);
  uint32_t r = 8;
  for (int i = 0; i < MAXU; i++) if (users[i].used && !strcasecmp(users[i].name, n)) { pthread_mutex_unlock(&pm); return 2224; }
  for (int i = 0; i < MAXU; i++) if (!users[i].used) { users[i].used = 1; snprintf(users[i].name, 64, "%s", n); snprintf(users[i].password, 128, "%s", pw); users[i].group[0] = 0; r = 0; break; }
  pthread_mutex_unlock(&pm);
  return r;
}
EXPORT uint32_t NetUserDel(const WCHAR *server, const WCHAR *name) {
  char n[64]; narrow(name, n, sizeof n);
  pthread_mutex_lock(&pm);
  uint32_t r = 2221;
  for (int i = 0; i < MAXU; i++) if (users[i].used && !strcasecmp(users[i].name, n)) { users[i].used = 0; r = 0; }
  pthread_mutex_unlock(&pm);
  return r;
}
EXPORT uint32_t NetLocalGroupAddMembers(const WCHAR *server, const WCHAR *group, uint32_t level, void *info, uint32_t count) {
  char g[64], m[64]; narrow(group, g, sizeof g); narrow(*(WCHAR **)info, m, sizeof m);
  if (!group_exists(g)) return 2220;
  if (level != 3 || count != 1) return 87;
  pthread_mutex_lock(&pm);
  uint32_t r = 1387; /* ERROR_NO_SUCH_MEMBER */
  for (int i = 0; i < MAXU; i++) if (users[i].used && !strcasecmp(users[i].name, m)) { snprintf(users[i].group, 64, "%s", g); r = 0; }
  pthread_mutex_unlock(&pm);
  return r;
}

/* Volume mount points, directories and symbolic links: recorded, one line each. */
static int vrecord(const char *verb, const WCHAR *a, const WCHAR *b, uint32_t flags) {
  char x[260], y[260]; narrow(a, x, sizeof x); narrow(b, y, sizeof y);
  pthread_mutex_lock(&pm);
  int n = snprintf(vlog + vlog_len, sizeof vlog - vlog_len, "%s %s%s%s%s\n", verb, x, b ? " -> " : "", b ? y : "", flags ? " (dir)" : "");
  if (n > 0 && vlog_len + (size_t)n < sizeof vlog) vlog_len += (size_t)n;
  pthread_mutex_unlock(&pm);
  return 1;
}
EXPORT int SetVolumeMountPointW(const WCHAR *mp, const WCHAR *vol) { return vrecord("mount", mp, vol, 0); }
EXPORT int DeleteVolumeMountPointW(const WCHAR *mp) { return vrecord("unmount", mp, NULL, 0); }
EXPORT int CreateDirectoryW(const WCHAR *p, void *sa) { return vrecord("mkdir", p, NULL, 0); }
EXPORT int RemoveDirectoryW(const WCHAR *p) { return vrecord("rmdir", p, NULL, 0); }
EXPORT uint8_t CreateSymbolicLinkW(const WCHAR *link, const WCHAR *target, uint32_t flags) { return (uint8_t)vrecord("symlink", link, target, flags & 1); }
/* Host paths: a last component with a dot is a file, anything else a directory. */
EXPORT uint32_t GetFileAttributesW(const WCHAR *p) {
  char n[260]; narrow(p, n, sizeof n);
  const char *last = strrchr(n, '\\');
  return strchr(last ? last : n, '.') ? 0x80 : 0x10;
}

static char out_buf[8192];
static void jesc(const char *in, char *out, size_t n) {
  size_t o = 0;
  for (; *in && o + 3 < n; in++) { if (*in == '\\' || *in == '"') out[o++] = '\\'; if (*in == '\n') { out[o++] = '\\'; out[o++] = 'n'; continue; } out[o++] = *in; }
  out[o] = 0;
}
EXPORT const char *FakeProcDescribe(uint32_t pid) {
  pthread_mutex_lock(&pm);
  out_buf[0] = 0;
  for (int i = 0; i < MAXP; i++) if (procs[i].used && procs[i].pid == pid) {
    proc_t *p = &procs[i]; char c[1100], w[600], u[300], e[4200];
    jesc(p->cmd, c, sizeof c); jesc(p->cwd, w, sizeof w); jesc(p->user, u, sizeof u); jesc(p->env, e, sizeof e);
    snprintf(out_buf, sizeof out_buf, "{\"pid\":%u,\"cmd\":\"%s\",\"cwd\":\"%s\",\"user\":\"%s\",\"env\":\"%s\",\"flags\":%u,\"inherit\":%d,"
      "\"assignedBeforeResume\":%d,\"started\":%d,\"exited\":%d,\"exitCode\":%u,\"ctrl\":%d,\"handles\":%d}",
      p->pid, c, w, u, e, p->flags, p->inherit, p->assigned_before_resume, p->started, p->exited, p->exit_code, p->ctrl, p->handles);
  }
  pthread_mutex_unlock(&pm);
  return out_buf;
}
EXPORT const char *FakeAccounts(void) {
  pthread_mutex_lock(&pm);
  size_t o = (size_t)snprintf(out_buf, sizeof out_buf, "[");
  int first = 1;
  for (int i = 0; i < MAXU; i++) if (users[i].used) {
    o += (size_t)snprintf(out_buf + o, sizeof out_buf - o, "%s{\"name\":\"%s\",\"group\":\"%s\"}", first ? "" : ",", users[i].name, users[i].group);
    first = 0;
  }
  snprintf(out_buf + o, sizeof out_buf - o, "]");
  pthread_mutex_unlock(&pm);
  return out_buf;
}
EXPORT const char *FakeVolumeLog(void) { pthread_mutex_lock(&pm); snprintf(out_buf, sizeof out_buf, "%s", vlog); pthread_mutex_unlock(&pm); return out_buf; }
