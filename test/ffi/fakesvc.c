/*
 * A stand-in for the Service Control Manager side of advapi32 (StartServiceCtrlDispatcherW,
 * RegisterServiceCtrlHandlerExW, SetServiceStatus), with the same parameter types, so that
 * src/platform/windows/service-host.ts runs unchanged on Linux. Like the SCM:
 *  - StartServiceCtrlDispatcherW blocks its caller; ServiceMain runs on a thread of its own ("the SCM's");
 *  - controls (FakeSvcControl) are delivered to the handler on the dispatcher's thread;
 *  - the dispatcher returns TRUE once the service reported SERVICE_STOPPED.
 * Test controls: FakeSvcControl, FakeSvcStatusLog (the reported status sequence), FakeSvcThreads, FakeSvcReset.
 * Build: gcc -shared -fPIC -pthread -o fakesvc.so fakesvc.c
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint16_t WCHAR;
typedef void (*SERVICE_MAIN)(uint32_t argc, WCHAR **argv);
typedef uint32_t (*HANDLER_EX)(uint32_t control, uint32_t eventType, void *eventData, void *context);
typedef struct { const WCHAR *name; SERVICE_MAIN proc; } SERVICE_TABLE_ENTRYW;
typedef struct { uint32_t type, state, accepted, win32Exit, specificExit, checkPoint, waitHint; } SERVICE_STATUS;

#define STOPPED 1
#define HANDLE_VALUE ((void *)0x5e1)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static WCHAR service_name[256];
static SERVICE_MAIN service_main;
static HANDLER_EX handler;
static void *handler_context;
static int pending_control = -1;
static uint32_t last_state;
static char status_log[8192];
static char last_reply[64];
static pthread_t dispatcher_thread, main_thread;
static int main_on_own_thread, handler_on_dispatcher_thread = 1;

static size_t wlen(const WCHAR *s) { size_t n = 0; while (s && s[n]) n++; return n; }

static void *run_service_main(void *arg) {
  (void)arg;
  main_thread = pthread_self();
  main_on_own_thread = !pthread_equal(main_thread, dispatcher_thread);
  WCHAR *argv[1] = { service_name };
  service_main(1, argv);
  return NULL;
}

int StartServiceCtrlDispatcherW(const SERVICE_TABLE_ENTRYW *table) {
  if (!table || !table[0].name || !table[0].proc || table[1].name || table[1].proc) return 0;
  size_t n = wlen(table[0].name);
  if (n >= 255) return 0;
  pthread_mutex_lock(&mu);
  memcpy(service_name, table[0].name, (n + 1) * sizeof(WCHAR));
  service_main = table[0].proc;
  last_state = 0;
  dispatcher_thread = pthread_self();
  pthread_mutex_unlock(&mu);
  pthread_t t;
  pthread_create(&t, NULL, run_service_main, NULL);
  pthread_detach(t);
  pthread_mutex_lock(&mu);
  for (;;) {
    while (pending_control < 0 && last_state != STOPPED) pthread_cond_wait(&cv, &mu);
    if (pending_control >= 0) {
      uint32_t c = (uint32_t)pending_control;
      pending_control = -1;
      HANDLER_EX h = handler;
      void *ctx = handler_context;
      pthread_mutex_unlock(&mu);
      uint32_t r = h ? h(c, 0, NULL, ctx) : 1061; /* ERROR_SERVICE_CANNOT_ACCEPT_CTRL */
      if (!pthread_equal(pthread_self(), dispatcher_thread)) handler_on_dispatcher_thread = 0;
      pthread_mutex_lock(&mu);
      snprintf(last_reply, sizeof last_reply, "%u:%u", c, r);
      pthread_cond_broadcast(&cv);
      continue;
    }
    if (last_state == STOPPED) break;
  }
  pthread_mutex_unlock(&mu);
  return 1;
}

void *RegisterServiceCtrlHandlerExW(const WCHAR *name, HANDLER_EX proc, void *context) {
  pthread_mutex_lock(&mu);
  size_t n = wlen(name);
  int match = n == wlen(service_name) && memcmp(name, service_name, n * sizeof(WCHAR)) == 0;
  if (match) { handler = proc; handler_context = context; }
  pthread_mutex_unlock(&mu);
  return match ? HANDLE_VALUE : NULL;
}

int SetServiceStatus(void *h, const SERVICE_STATUS *s) {
  if (h != HANDLE_VALUE || !s) return 0;
  pthread_mutex_lock(&mu);
  char entry[128];
  snprintf(entry, sizeof entry, "%s%u/%u/%u/%u/%u", status_log[0] ? "," : "", s->state, s->accepted, s->win32Exit, s->specificExit, s->checkPoint);
  strncat(status_log, entry, sizeof status_log - strlen(status_log) - 1);
  last_state = s->state;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  return 1;
}

/* ---- test controls ---- */

/* Queues a control for the dispatcher thread; 0 if one is already pending. */
int FakeSvcControl(uint32_t control) {
  pthread_mutex_lock(&mu);
  int ok = pending_control < 0;
  if (ok) { pending_control = (int)control; last_reply[0] = 0; pthread_cond_broadcast(&cv); }
  pthread_mutex_unlock(&mu);
  return ok;
}

/* "state/accepted/win32Exit/specificExit/checkPoint,..." of every SetServiceStatus so far. */
const char *FakeSvcStatusLog(void) { return status_log; }
/* "control:reply" of the last control delivered ("" until the handler answered). */
const char *FakeSvcLastReply(void) { return last_reply; }
/* bit 0: ServiceMain ran on a thread other than the dispatcher's; bit 1: handlers ran on the dispatcher's thread. */
int FakeSvcThreads(void) { return main_on_own_thread | (handler_on_dispatcher_thread << 1); }

void FakeSvcReset(void) {
  pthread_mutex_lock(&mu);
  status_log[0] = 0; last_reply[0] = 0; pending_control = -1; handler = NULL; last_state = 0;
  main_on_own_thread = 0; handler_on_dispatcher_thread = 1;
  pthread_mutex_unlock(&mu);
}
