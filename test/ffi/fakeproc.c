/*
 * Host processes and tokens for the fake Windows libraries (compiled with fakehcs.c, fakejob.c and fakeacct.c,
 * fakeport.c, fakevol.c). Enough behaviour to run the HostProcess backend's process path
 * (src/platform/windows/jobs/) on Linux: CreatePipe hands out real pipes; CreateProcessAsUserW records the token's
 * user, command line, environment block and working directory and creates a fake process (suspended when asked)
 * whose "program" is driven by words in its command line, run by a thread once resumed:
 *   out=TEXT  write TEXT\n to stdout     err=TEXT  write TEXT\n to stderr     echo  copy stdin to stdout until EOF
 *   wait      run until terminated or sent a console control event          ignore-ctrl  ignore control events
 *   exit=N    exit code (default 0)      a command line containing "missing.exe" fails with ERROR_FILE_NOT_FOUND
 * Test controls (JSON text in static buffers):
 *   FakeProcDescribe(pid)  FakeEnvBlocksOutstanding()
 */
#include "fakewin.h"
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#define PIPE_TAG (0x50ULL << 32)
#define RTHREAD_TAG (0x51ULL << 32)
#define MAXP 32
#define MAXT 64
#define CTRL_ROUTINE ((void *)0x7ff01234)
#define KERNEL32_MODULE ((HANDLE)0x7ff00000)


typedef struct {
  uint64_t thread_tag; int used, handles, thread_open; uint32_t pid;
  char cmd[512], cwd[260], user[128], env[2048];
  uint32_t flags; int inherit, suspended, started, exited, killed, ctrl, assigned_before_resume;
  uint32_t exit_code; int fd_in, fd_out, fd_err; void *job; HANDLE console;
} proc_t;
int fake_console_fds(HANDLE h, int *in, int *out, char *size, size_t n); /* fakecon.c */
int fake_console_size(HANDLE h, char *size, size_t n);
HANDLE fake_console_of(void *list);
typedef struct { int used; char user[128]; uint32_t logon; } token_t;

static proc_t procs[MAXP];
static token_t tokens[MAXT];
static pthread_mutex_t pm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pc = PTHREAD_COND_INITIALIZER;
static uint32_t next_pid = 5000;
static int env_blocks;

#define narrow fw_narrow
/* Process handles point at `used`, thread handles at `thread_tag`. */
static proc_t *proc_of(HANDLE h) { proc_t *p = FW_SLOT(h, procs, MAXP, offsetof(proc_t, used)); return p && p->used ? p : NULL; }
static proc_t *thread_of(HANDLE h) { proc_t *p = FW_SLOT(h, procs, MAXP, offsetof(proc_t, thread_tag)); return p && p->used ? p : NULL; }
static HANDLE proc_handle(proc_t *p) { return (HANDLE)((uintptr_t)&p->used | 1); }
static HANDLE thread_handle(proc_t *p) { return (HANDLE)((uintptr_t)&p->thread_tag | 1); }
static token_t *token_of(HANDLE h) { token_t *t = FW_SLOT(h, tokens, MAXT, 0); return t && t->used ? t : NULL; }
int fake_pipe_fd(HANDLE h);
static int pipe_fd(HANDLE h) { uint64_t v = (uint64_t)(uintptr_t)h; return (v & ~0xffffffffULL) == PIPE_TAG ? (int)(v & 0xffffffff) : -1; }

static HANDLE new_token(const char *user, uint32_t logon) { /* under pm */
  for (int i = 0; i < MAXT; i++) if (!tokens[i].used) {
    tokens[i].used = 1; tokens[i].logon = logon; snprintf(tokens[i].user, sizeof tokens[i].user, "%s", user);
    return (HANDLE)((uintptr_t)&tokens[i] | 1);
  }
  return NULL;
}
HANDLE fake_token_new(const char *user, uint32_t logon) { pthread_mutex_lock(&pm); HANDLE t = new_token(user, logon); pthread_mutex_unlock(&pm); return t; }
static void maybe_free(proc_t *p) { if (p->handles <= 0 && p->exited) p->used = 0; }

/* Called first by fakehcs.c's CloseHandle: 1/0 for handles of this file, -1 for others. */
int fake_proc_close(HANDLE h) {
  int fd = pipe_fd(h);
  if (fd >= 0) return close(fd) == 0;
  if (((uint64_t)(uintptr_t)h & ~0xffffffffULL) == RTHREAD_TAG) return 1;
  pthread_mutex_lock(&pm);
  int r = -1; proc_t *p; token_t *t;
  if ((p = proc_of(h))) { p->handles--; maybe_free(p); r = 1; }
  else if ((p = thread_of(h))) { p->thread_open = 0; p->handles--; maybe_free(p); r = 1; }
  else if ((t = token_of(h))) { t->used = 0; r = 1; }
  pthread_mutex_unlock(&pm);
  return r >= 0 ? r : fake_port_close(h);
}
int fake_pipe_fd(HANDLE h) { return pipe_fd(h); }
intptr_t fake_proc_osfhandle(intptr_t h) { int fd = pipe_fd((HANDLE)h); return fd >= 0 ? fd : h; }

/* fakejob.c: AssignProcessToJobObject / TerminateJobObject. */
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
    struct timespec ts = fw_deadline(20);
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
  char size[32];
  /* STARTUPINFOEXW (cb 112) with a pseudo console: the console's pipes are the process's stdio, stderr merged. */
  if ((flags & 0x80000) && *(uint32_t *)si == 112 && (p->console = fake_console_of(*(void **)((char *)si + 104))) != NULL
      && fake_console_fds(p->console, &p->fd_in, &p->fd_out, size, sizeof size)) p->fd_err = dup(p->fd_out);
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
  struct timespec ts = fw_deadline(ms);
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
    proc_t *p = &procs[i]; char c[1100], w[600], u[300], e[4200], con[32] = "";
    if (p->console) fake_console_size(p->console, con, sizeof con);
    jesc(p->cmd, c, sizeof c); jesc(p->cwd, w, sizeof w); jesc(p->user, u, sizeof u); jesc(p->env, e, sizeof e);
    snprintf(out_buf, sizeof out_buf, "{\"pid\":%u,\"cmd\":\"%s\",\"cwd\":\"%s\",\"user\":\"%s\",\"env\":\"%s\",\"flags\":%u,\"inherit\":%d,"
      "\"assignedBeforeResume\":%d,\"started\":%d,\"exited\":%d,\"exitCode\":%u,\"ctrl\":%d,\"handles\":%d,\"console\":\"%s\"}",
      p->pid, c, w, u, e, p->flags, p->inherit, p->assigned_before_resume, p->started, p->exited, p->exit_code, p->ctrl, p->handles, con);
  }
  pthread_mutex_unlock(&pm);
  return out_buf;
}
