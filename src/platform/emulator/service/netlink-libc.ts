/**
 * The glibc calls of the emulator's netlink path (./netlink-socket.ts, ./netns-ops.ts) through util/glibc.ts: socket,
 * bind, setsockopt, sendto, recv, close, setns, unshare, mount, umount2, strerror. Null where koffi or glibc is not
 * to be had, or WINCRI_EMULATOR_NETLINK=0: ./linuxnet.ts then keeps `ip`.
 */
import { glibc } from '../../../util/glibc.js';

type Fn = ((...args: unknown[]) => number) & { async(...args: unknown[]): void };
export interface NetlinkLibc {
  socket: Fn; bind: Fn; setsockopt: Fn; sendto: Fn; recv: Fn; close: Fn;
  setns: Fn; unshare: Fn; mount: Fn; umount2: Fn;
  strerror: (n: number) => string;
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

let libc: NetlinkLibc | null | undefined;

export function netlinkLibc(): NetlinkLibc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== 'linux' || process.env.WINCRI_EMULATOR_NETLINK === '0') return libc;
  const lib = glibc();
  if (!lib) return libc;
  try {
    const f = (d: string) => lib.func(d) as Fn;
    const strerror = lib.func('const char *strerror(int errnum)') as (n: number) => string;
    libc = {
      socket: f('int socket(int domain, int type, int protocol)'),
      bind: f('int bind(int fd, void *addr, uint32_t len)'),
      setsockopt: f('int setsockopt(int fd, int level, int name, void *value, uint32_t len)'),
      sendto: f('long sendto(int fd, void *buf, size_t len, int flags, void *addr, uint32_t addrlen)'),
      recv: f('long recv(int fd, void *buf, size_t len, int flags)'),
      close: f('int close(int fd)'),
      setns: f('int setns(int fd, int nstype)'),
      unshare: f('int unshare(int flags)'),
      mount: f('int mount(const char *src, const char *target, const char *type, unsigned long flags, void *data)'),
      umount2: f('int umount2(const char *target, int flags)'),
      strerror: (n) => strerror(n),
      errno: () => lib.errno(),
    };
  } catch { libc = null; }
  return libc;
}
