/*
 * Local accounts for the fake Windows libraries: LogonUserW (service accounts with the service logon type and no
 * password; users of the table interactively with their password) and the netapi32 calls behind a HostProcess
 * container's temporary user (NetUserAdd level 1 with the password policy checked, NetLocalGroupAddMembers level 3,
 * NetUserDel). Local groups: Administrators, Users, "HPC Agents". Test controls: FakeAddUser, FakeAccounts (JSON).
 */
#include "fakewin.h"

#define MAXU 16
typedef struct { char name[64], password[128], group[64]; int used; } user_t;
static user_t users[MAXU];
static pthread_mutex_t am = PTHREAD_MUTEX_INITIALIZER;
static char out_buf[2048];
#define narrow fw_narrow

EXPORT int LogonUserW(const WCHAR *user, const WCHAR *domain, const WCHAR *password, uint32_t type, uint32_t provider, HANDLE *token) {
  char u[64], d[64], pw[128]; narrow(user, u, sizeof u); narrow(domain, d, sizeof d); narrow(password, pw, sizeof pw);
  char full[160]; int ok = 0;
  pthread_mutex_lock(&am);
  if (strcasecmp(d, "NT AUTHORITY") == 0) {
    ok = type == 5 && !password && (!strcasecmp(u, "SYSTEM") || !strcasecmp(u, "LOCAL SERVICE") || !strcasecmp(u, "NETWORK SERVICE"));
    snprintf(full, sizeof full, "NT AUTHORITY\\%s", u);
  } else {
    for (int i = 0; i < MAXU; i++) if (users[i].used && !strcasecmp(users[i].name, u)) ok = type == 2 && strcmp(users[i].password, pw) == 0;
    snprintf(full, sizeof full, "%s", u);
  }
  HANDLE t = ok ? fake_token_new(full, type) : NULL;
  pthread_mutex_unlock(&am);
  if (!t) { fake_set_last_error(1326); return 0; } /* ERROR_LOGON_FAILURE */
  *token = t;
  return 1;
}

/* Local accounts: a user table; groups that exist are Administrators, Users and "HPC Agents". */
static const char *GROUPS[] = { "Administrators", "Users", "HPC Agents" };
static int group_exists(const char *g) { for (unsigned i = 0; i < 3; i++) if (!strcasecmp(GROUPS[i], g)) return 1; return 0; }
EXPORT void FakeAddUser(const char *name, const char *password) {
  pthread_mutex_lock(&am);
  for (int i = 0; i < MAXU; i++) if (!users[i].used) { users[i].used = 1; snprintf(users[i].name, 64, "%s", name); snprintf(users[i].password, 128, "%s", password); break; }
  pthread_mutex_unlock(&am);
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
  pthread_mutex_lock(&am);
  uint32_t r = 8;
  for (int i = 0; i < MAXU; i++) if (users[i].used && !strcasecmp(users[i].name, n)) { pthread_mutex_unlock(&am); return 2224; }
  for (int i = 0; i < MAXU; i++) if (!users[i].used) { users[i].used = 1; snprintf(users[i].name, 64, "%s", n); snprintf(users[i].password, 128, "%s", pw); users[i].group[0] = 0; r = 0; break; }
  pthread_mutex_unlock(&am);
  return r;
}
EXPORT uint32_t NetUserDel(const WCHAR *server, const WCHAR *name) {
  char n[64]; narrow(name, n, sizeof n);
  pthread_mutex_lock(&am);
  uint32_t r = 2221;
  for (int i = 0; i < MAXU; i++) if (users[i].used && !strcasecmp(users[i].name, n)) { users[i].used = 0; r = 0; }
  pthread_mutex_unlock(&am);
  return r;
}
EXPORT uint32_t NetLocalGroupAddMembers(const WCHAR *server, const WCHAR *group, uint32_t level, void *info, uint32_t count) {
  char g[64], m[64]; narrow(group, g, sizeof g); narrow(*(WCHAR **)info, m, sizeof m);
  if (!group_exists(g)) return 2220;
  if (level != 3 || count != 1) return 87;
  pthread_mutex_lock(&am);
  uint32_t r = 1387; /* ERROR_NO_SUCH_MEMBER */
  for (int i = 0; i < MAXU; i++) if (users[i].used && !strcasecmp(users[i].name, m)) { snprintf(users[i].group, 64, "%s", g); r = 0; }
  pthread_mutex_unlock(&am);
  return r;
}
EXPORT const char *FakeAccounts(void) {
  pthread_mutex_lock(&am);
  size_t o = (size_t)snprintf(out_buf, sizeof out_buf, "[");
  int first = 1;
  for (int i = 0; i < MAXU; i++) if (users[i].used) {
    o += (size_t)snprintf(out_buf + o, sizeof out_buf - o, "%s{\"name\":\"%s\",\"group\":\"%s\"}", first ? "" : ",", users[i].name, users[i].group);
    first = 0;
  }
  snprintf(out_buf + o, sizeof out_buf - o, "]");
  pthread_mutex_unlock(&am);
  return out_buf;
}
