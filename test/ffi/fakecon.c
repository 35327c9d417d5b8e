/*
 * Pseudo consoles and process attribute lists for the fake Windows libraries: CreatePseudoConsole keeps its own
 * copies of the two pipe ends (as ConPTY does), ResizePseudoConsole records the size, ClosePseudoConsole drops
 * them (the output pipe then reaches EOF once the process's copies are gone too). The attribute list is the
 * fake's own layout: a count and {attribute, value} pairs. fakeproc.c asks fake_console_of() for a list's console.
 * Test control: FakeConsoles() → number of consoles not closed.
 */
#include "fakewin.h"
#include <unistd.h>

typedef struct { int16_t X, Y; } COORD;
typedef struct { int used, in, out; COORD size; } con_t;
typedef struct { uint64_t n; uintptr_t attr[4], value[4]; } list_t;
#define MAXC 8
static con_t cons[MAXC];
static pthread_mutex_t cm = PTHREAD_MUTEX_INITIALIZER;

int fake_pipe_fd(HANDLE h); /* fakeproc.c */

EXPORT int32_t CreatePseudoConsole(COORD size, HANDLE in, HANDLE out, uint32_t flags, HANDLE *hpc) {
  int fi = fake_pipe_fd(in), fo = fake_pipe_fd(out);
  if (fi < 0 || fo < 0 || size.X <= 0 || size.Y <= 0) return (int32_t)0x80070057;
  pthread_mutex_lock(&cm);
  con_t *c = NULL;
  for (int i = 0; i < MAXC && !c; i++) if (!cons[i].used) c = &cons[i];
  if (c) { c->used = 1; c->in = dup(fi); c->out = dup(fo); c->size = size; *hpc = (HANDLE)((uintptr_t)c | 1); }
  pthread_mutex_unlock(&cm);
  return c ? 0 : (int32_t)0x8007000e;
}
static con_t *con_of(HANDLE h) { con_t *c = FW_SLOT(h, cons, MAXC, 0); return c && c->used ? c : NULL; }
EXPORT int32_t ResizePseudoConsole(HANDLE h, COORD size) {
  pthread_mutex_lock(&cm);
  con_t *c = con_of(h);
  if (c) c->size = size;
  pthread_mutex_unlock(&cm);
  return c ? 0 : (int32_t)0x80070006;
}
EXPORT void ClosePseudoConsole(HANDLE h) {
  pthread_mutex_lock(&cm);
  con_t *c = con_of(h);
  if (c) { close(c->in); close(c->out); c->used = 0; }
  pthread_mutex_unlock(&cm);
}
/* The console's pipe ends for a process started with it: dup'd for the process; its size as "WxH". */
int fake_console_fds(HANDLE h, int *in, int *out, char *size, size_t n) {
  pthread_mutex_lock(&cm);
  con_t *c = con_of(h);
  if (c) { *in = dup(c->in); *out = dup(c->out); snprintf(size, n, "%dx%d", c->size.X, c->size.Y); }
  pthread_mutex_unlock(&cm);
  return c != NULL;
}
int fake_console_size(HANDLE h, char *size, size_t n) {
  pthread_mutex_lock(&cm);
  con_t *c = con_of(h);
  if (c) snprintf(size, n, "%dx%d", c->size.X, c->size.Y);
  pthread_mutex_unlock(&cm);
  return c != NULL;
}
EXPORT int FakeConsoles(void) { int n = 0; pthread_mutex_lock(&cm); for (int i = 0; i < MAXC; i++) n += cons[i].used; pthread_mutex_unlock(&cm); return n; }

EXPORT int InitializeProcThreadAttributeList(void *list, uint32_t count, uint32_t flags, size_t *size) {
  if (!list || *size < sizeof(list_t)) { *size = sizeof(list_t); fake_set_last_error(122); return 0; } /* ERROR_INSUFFICIENT_BUFFER */
  memset(list, 0, sizeof(list_t));
  return 1;
}
EXPORT int UpdateProcThreadAttribute(void *list, uint32_t flags, uintptr_t attr, void *value, size_t size, void *prev, size_t *ret) {
  list_t *l = list;
  if (l->n >= 4 || size != sizeof(void *)) { fake_set_last_error(87); return 0; }
  l->attr[l->n] = attr; l->value[l->n] = (uintptr_t)value; l->n++;
  return 1;
}
EXPORT void DeleteProcThreadAttributeList(void *list) { memset(list, 0xdd, sizeof(list_t)); }
/* fakeproc.c: the console a STARTUPINFOEXW's attribute list names (PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE). */
HANDLE fake_console_of(void *list) {
  list_t *l = list;
  for (uint64_t i = 0; l && i < l->n && i < 4; i++) if (l->attr[i] == 0x00020016) return (HANDLE)l->value[i];
  return NULL;
}
