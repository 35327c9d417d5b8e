/**
 * Named network namespaces as `ip netns add/delete` makes them, without the process: /run/netns a mount point with
 * shared propagation, a file per namespace with the namespace bind-mounted on it. Making one (or opening a netlink
 * socket inside one) moves the service's main thread into it for a few synchronous calls: unshare / setns always
 * return it to its own namespace (finally). When that return fails the thread is stuck in the wrong namespace:
 * logged, and this path is off for good (./linuxnet.ts keeps `ip`). Other threads (libuv's pool, where children
 * are spawned) never move.
 */
import { closeSync, mkdirSync, openSync, unlinkSync } from 'node:fs';
import { netlinkLibc, CLONE_NEWNET, MS_BIND, MS_REC, MS_SHARED, MNT_DETACH, EINVAL, type NetlinkLibc } from './netlink-libc.js';
import { NetlinkSocket, NetlinkError, describeErrno } from './netlink-socket.js';

export const NETNS_RUN_DIR = '/run/netns';
const SELF_NET = '/proc/thread-self/ns/net';

let own: number | undefined;
let prepared = false;
let stuck = false;

/** The glibc calls, or null: netlink unavailable, or a return to the service's own namespace once failed. */
export function netnsLibc(): NetlinkLibc | null { return stuck ? null : netlinkLibc(); }

/** An fd of the service's own network namespace (opened once, kept). */
function ownNetns(): number { return (own ??= openSync(SELF_NET, 'r')); }

function fail(lc: NetlinkLibc, what: string): never {
  const e = lc.errno();
  throw new NetlinkError(e, `${what}: ${describeErrno(lc, e)}`);
}

/** `mount --make-rshared /run/netns`, bound on itself first when it is no mount point (EINVAL). Once. */
function prepareRunDir(lc: NetlinkLibc): void {
  if (prepared) return;
  mkdirSync(NETNS_RUN_DIR, { recursive: true, mode: 0o755 });
  if (lc.mount('none', NETNS_RUN_DIR, 'none', MS_SHARED | MS_REC, null) !== 0) {
    if (lc.errno() !== EINVAL) fail(lc, `mount --make-rshared ${NETNS_RUN_DIR}`);
    if (lc.mount(NETNS_RUN_DIR, NETNS_RUN_DIR, 'none', MS_BIND | MS_REC, null) !== 0) fail(lc, `mount --rbind ${NETNS_RUN_DIR}`);
    if (lc.mount('none', NETNS_RUN_DIR, 'none', MS_SHARED | MS_REC, null) !== 0) fail(lc, `mount --make-rshared ${NETNS_RUN_DIR}`);
  }
  prepared = true;
}

/** Back to the service's own namespace; a failure is fatal for this path (see above). */
function restore(lc: NetlinkLibc, log: (m: string) => void): void {
  if (lc.setns(ownNetns(), CLONE_NEWNET) === 0) return;
  stuck = true;
  const msg = `netns: the service's main thread could not return to its own network namespace (${describeErrno(lc, lc.errno())}); netlink is off, \`ip\` is used from now on`;
  log(msg);
  throw new NetlinkError(0, msg);
}

/**
 * `ip netns add NAME`, returning a netlink socket opened inside the new namespace (the caller closes it). Nothing
 * stays when it fails.
 */
export function addNetns(lc: NetlinkLibc, name: string, log: (m: string) => void): NetlinkSocket {
  prepareRunDir(lc);
  ownNetns();
  const path = `${NETNS_RUN_DIR}/${name}`;
  try { closeSync(openSync(path, 'wx', 0)); } catch (e) {
    throw new NetlinkError(0, `cannot create namespace file ${path}: ${(e as Error).message}`);
  }
  let sock: NetlinkSocket | undefined;
  try {
    if (lc.unshare(CLONE_NEWNET) !== 0) fail(lc, 'unshare(CLONE_NEWNET)');
    try {
      if (lc.mount(SELF_NET, path, 'none', MS_BIND, null) !== 0) fail(lc, `bind-mounting the new namespace on ${path}`);
      sock = NetlinkSocket.open(lc);
    } finally { restore(lc, log); }
    return sock;
  } catch (e) {
    sock?.close();
    removeNetns(lc, name);
    throw e;
  }
}

/** `ip netns delete NAME`: detach the bind mount, remove the file (absent: nothing to do). */
export function removeNetns(lc: NetlinkLibc, name: string): void {
  const path = `${NETNS_RUN_DIR}/${name}`;
  lc.umount2(path, MNT_DETACH);
  try { unlinkSync(path); } catch { /* absent */ }
}

/** A netlink socket inside namespace NAME, and an fd of it (for IFLA_NET_NS_FD); the caller closes both. */
export function enterNetns(lc: NetlinkLibc, name: string, log: (m: string) => void): { sock: NetlinkSocket; nsFd: number } {
  ownNetns();
  let nsFd: number;
  try { nsFd = openSync(`${NETNS_RUN_DIR}/${name}`, 'r'); } catch (e) {
    throw new NetlinkError(0, `network namespace ${name}: ${(e as Error).message}`);
  }
  try {
    if (lc.setns(nsFd, CLONE_NEWNET) !== 0) fail(lc, `setns into ${name}`);
    try { return { sock: NetlinkSocket.open(lc), nsFd }; } finally { restore(lc, log); }
  } catch (e) {
    closeSync(nsFd);
    throw e;
  }
}
