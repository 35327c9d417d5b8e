/*
 * kernel32's GetModuleHandleExW for the fake libraries, as far as the bindings use it: with
 * GET_MODULE_HANDLE_EX_FLAG_PIN a module that is already loaded stays loaded until the process ends (here
 * dlopen(RTLD_NOLOAD | RTLD_NODELETE): later dlclose calls no longer unmap it). A module that is not loaded fails,
 * as on Windows. Linked into every fake library that stands in for kernel32 (fakehcs.so, fakesvc.so).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>

#define EXPORT __attribute__((visibility("default")))
#define GET_MODULE_HANDLE_EX_FLAG_PIN 0x1u

static int pins;

EXPORT int32_t GetModuleHandleExW(uint32_t flags, const uint16_t *name, void **out) {
  if (out) *out = NULL;
  if (!name) return 0;
  size_t n = 0; while (name[n]) n++;
  char *path = malloc(n * 3 + 1), *q = path; /* UTF-16 (BMP) to UTF-8 */
  for (size_t i = 0; i < n; i++) {
    uint16_t c = name[i];
    if (c < 0x80) *q++ = (char)c;
    else if (c < 0x800) { *q++ = (char)(0xC0 | (c >> 6)); *q++ = (char)(0x80 | (c & 0x3F)); }
    else { *q++ = (char)(0xE0 | (c >> 12)); *q++ = (char)(0x80 | ((c >> 6) & 0x3F)); *q++ = (char)(0x80 | (c & 0x3F)); }
  }
  *q = 0;
  void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD | ((flags & GET_MODULE_HANDLE_EX_FLAG_PIN) ? RTLD_NODELETE : 0));
  free(path);
  if (!h) return 0;
  if (flags & GET_MODULE_HANDLE_EX_FLAG_PIN) __atomic_add_fetch(&pins, 1, __ATOMIC_SEQ_CST);
  if (out) *out = h;
  return 1;
}

/* How many pins were taken (tests). */
EXPORT int FakePins(void) { return __atomic_load_n(&pins, __ATOMIC_SEQ_CST); }
