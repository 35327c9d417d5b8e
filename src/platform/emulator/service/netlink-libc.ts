/**
 * The glibc calls of the emulator's netlink path (./netlink-socket.ts, ./netns-ops.ts) through util/glibc.ts: socket,
 * bind, setsockopt, sendto, recv, close, setns, unshare, mount, umount2, strerror. Null where koffi or glibc is not
 * to be had, or WINCRI_EMULATOR_NETLINK=0: ./linuxnet.ts then keeps `ip`.
 */
import { glibcTable, type GlibcFn } from '../../../util/glibc.js';

export interface NetlinkLibc {
  socket: GlibcFn; bind: GlibcFn; setsockopt: GlibcFn; sendto: GlibcFn; recv: GlibcFn; close: GlibcFn;
  setns: GlibcFn; unshare: GlibcFn; mount: GlibcFn; umount2: GlibcFn;
  strerror: (n: number) => string;
  /** The calling thread's errno after a synchronous call; inside an `.async` callback, the pool thread's. */
  errno: () => number;
}

export const AF_NETLINK = 16;
export const SOCK_RAW = 3;
export const SOCK_CLOEXEC = 0o2000000;
export const NETLINK_ROUTE = 0;
export const SOL_SOCKET = 1;
export const SO_RCVTIMEO = 20;
export const SOL_NETLINK = 270;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const MSG_DONTWAIT = 0x40;
export const CLONE_NEWNET = 0x40000000;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_SHARED = 1 << 20;
export const MNT_DETACH = 2;
export const EINVAL = 22;
export const EAGAIN = 11;
export const ENOENT = 2;

const load = glibcTable({
  socket: 'int socket(int domain, int type, int protocol)',
  bind: 'int bind(int fd, void *addr, uint32_t len)',
  setsockopt: 'int setsockopt(int fd, int level, int name, void *value, uint32_t len)',
  sendto: 'long sendto(int fd, void *buf, size_t len, int flags, void *addr, uint32_t addrlen)',
  recv: 'long recv(int fd, void *buf, size_t len, int flags)',
  close: 'int close(int fd)',
  setns: 'int setns(int fd, int nstype)',
  unshare: 'int unshare(int flags)',
  mount: 'int mount(const char *src, const char *target, const char *type, unsigned long flags, void *data)',
  umount2: 'int umount2(const char *target, int flags)',
  strerror: 'const char *strerror(int errnum)',
}, 'WINCRI_EMULATOR_NETLINK');

let libc: NetlinkLibc | null | undefined;

export function netlinkLibc(): NetlinkLibc | null {
  if (libc !== undefined) return libc;
  const t = load();
  // strerror answers a string (koffi converts `const char *`), not the number GlibcFn says.
  libc = t && { ...t, strerror: (n: number) => String((t.strerror as unknown as (n: number) => string)(n)) };
  return libc;
}
