/*
 * Shared by the fake Windows libraries of test/ffi (fakeproc.c, fakeacct.c, fakeport.c, fakevol.c, fakejob.c).
 */
#ifndef FAKEWIN_H
#define FAKEWIN_H
#define _GNU_SOURCE
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))
typedef uint16_t WCHAR;
typedef void *HANDLE;

static inline void fw_narrow(const WCHAR *w, char *out, size_t n) {
  size_t i = 0;
  if (w) for (; w[i] && i + 1 < n; i++) out[i] = (char)(w[i] < 128 ? w[i] : '?');
  out[i] = 0;
}
/* A deadline `ms` from now for pthread_cond_timedwait. */
static inline struct timespec fw_deadline(uint32_t ms) {
  struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += ms / 1000; ts.tv_nsec += (long)(ms % 1000) * 1000000;
  if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
  return ts;
}
/* A handle of these fakes is the address of its slot with the low bit set: in `arr[n]` at offset `field`? */
#define FW_SLOT(h, arr, n, field) \
  ((uintptr_t)(h) & 1 && ((uintptr_t)(h) & ~(uintptr_t)1) >= (uintptr_t)(arr) && ((uintptr_t)(h) & ~(uintptr_t)1) < (uintptr_t)((arr) + (n)) \
   && (((uintptr_t)(h) & ~(uintptr_t)1) - (uintptr_t)(arr)) % sizeof(*(arr)) == (field) \
   ? &(arr)[(((uintptr_t)(h) & ~(uintptr_t)1) - (uintptr_t)(arr)) / sizeof(*(arr))] : NULL)

void fake_set_last_error(uint32_t e);                       /* fakejob.c */
void *fake_job_ptr(HANDLE h);
void fake_job_proc_exit(void *job, uint32_t pid);
HANDLE fake_token_new(const char *user, uint32_t logon);    /* fakeproc.c */
int fake_port_close(HANDLE h);                              /* fakeport.c: 1, or -1 when not a port */
#endif
