/*
 * Volume mount points, directories and symbolic links for the fake Windows libraries: each call is recorded as one
 * line ("mount <mp> -> <volume>", "mkdir <dir>", "symlink <link> -> <target> (dir)", "unmount", "rmdir") for
 * FakeVolumeLog. GetFileAttributesW: a last path component with a dot is a file, anything else a directory.
 */
#include "fakewin.h"

static char vlog[4096]; static size_t vlog_len;
static pthread_mutex_t vm = PTHREAD_MUTEX_INITIALIZER;
static char out_buf[4096];
#define narrow fw_narrow

static int vrecord(const char *verb, const WCHAR *a, const WCHAR *b, uint32_t flags) {
  char x[260], y[260]; narrow(a, x, sizeof x); narrow(b, y, sizeof y);
  pthread_mutex_lock(&vm);
  int n = snprintf(vlog + vlog_len, sizeof vlog - vlog_len, "%s %s%s%s%s\n", verb, x, b ? " -> " : "", b ? y : "", flags ? " (dir)" : "");
  if (n > 0 && vlog_len + (size_t)n < sizeof vlog) vlog_len += (size_t)n;
  pthread_mutex_unlock(&vm);
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
EXPORT const char *FakeVolumeLog(void) { pthread_mutex_lock(&vm); snprintf(out_buf, sizeof out_buf, "%s", vlog); pthread_mutex_unlock(&vm); return out_buf; }
