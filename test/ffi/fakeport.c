/*
 * I/O completion ports for the fake Windows libraries: CreateIoCompletionPort (a queue), GetQueuedCompletionStatus
 * (waits up to its timeout: called from koffi worker threads) and fake_port_post, with which fakejob.c posts job
 * notifications (JOB_OBJECT_MSG_EXIT_PROCESS with the pid, JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO).
 */
#include "fakewin.h"

#define MAXQ 256
typedef struct { uint32_t msg; uintptr_t key, pid; } packet_t;
typedef struct { int used, closed, head, tail; packet_t q[MAXQ]; } port_t;
static port_t ports[4];
static pthread_mutex_t qm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qc = PTHREAD_COND_INITIALIZER;

static port_t *port_of(HANDLE h) { port_t *q = FW_SLOT(h, ports, 4, 0); return q && q->used ? q : NULL; }

int fake_port_close(HANDLE h) {
  pthread_mutex_lock(&qm);
  port_t *q = port_of(h);
  if (q) { q->closed = 1; q->used = 0; pthread_cond_broadcast(&qc); }
  pthread_mutex_unlock(&qm);
  return q ? 1 : -1;
}
int fake_port_valid(HANDLE h) { pthread_mutex_lock(&qm); int ok = port_of(h) != NULL; pthread_mutex_unlock(&qm); return ok; }
void fake_port_post(HANDLE h, uint32_t msg, uintptr_t key, uintptr_t pid) {
  pthread_mutex_lock(&qm);
  port_t *q = port_of(h);
  if (q && (q->tail + 1) % MAXQ != q->head) { q->q[q->tail] = (packet_t){ msg, key, pid }; q->tail = (q->tail + 1) % MAXQ; pthread_cond_broadcast(&qc); }
  pthread_mutex_unlock(&qm);
}

EXPORT HANDLE CreateIoCompletionPort(HANDLE file, HANDLE existing, uintptr_t key, uint32_t threads) {
  pthread_mutex_lock(&qm);
  HANDLE h = NULL;
  for (int i = 0; i < 4 && !h; i++) if (!ports[i].used) { memset(&ports[i], 0, sizeof ports[i]); ports[i].used = 1; h = (HANDLE)((uintptr_t)&ports[i] | 1); }
  pthread_mutex_unlock(&qm);
  if (!h) fake_set_last_error(8);
  return h;
}
EXPORT int GetQueuedCompletionStatus(HANDLE h, uint32_t *bytes, uintptr_t *key, uintptr_t *ov, uint32_t ms) {
  pthread_mutex_lock(&qm);
  port_t *q = port_of(h);
  struct timespec ts = fw_deadline(ms);
  while (q && q->used && q->head == q->tail && pthread_cond_timedwait(&qc, &qm, &ts) == 0) {}
  int ok = q && q->used && q->head != q->tail;
  if (ok) { packet_t k = q->q[q->head]; q->head = (q->head + 1) % MAXQ; *bytes = k.msg; *key = k.key; *ov = k.pid; }
  pthread_mutex_unlock(&qm);
  if (!ok) fake_set_last_error(q ? 258 : 735);
  return ok;
}
