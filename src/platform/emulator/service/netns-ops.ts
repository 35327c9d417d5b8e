/**
 * Named network namespaces as `ip netns add/delete` makes them, without the process: /run/netns a mount point with
 * shared propagation, a file per namespace with the namespace bind-mounted on it. Making one (or opening a netlink
 * socket inside one) moves the service's main thread into it for a few synchronous calls, and always back to its
 * own namespace afterwards (awayFromOwnNetns). When that return fails the main thread stays in the pod's namespace,
 * and everything it opens or starts from then on (sockets, the execFile fallback of ./linuxnet-exec.ts, console
 * containers, ./isolation.ts, ./c-helper.ts) would land there: the service logs it and exits at once
 * (util/last-resort.ts exitFatally) to be started again clean. Other threads (libuv's pool) never move.
 */
import { closeSync, mkdirSync, openSync, unlinkSync } from 'node:fs';
import { exitFatally } from '../../../util/last-resort.js';
import { CLONE_NEWNET, MS_BIND, MS_REC, MS_SHARED, MNT_DETACH, EINVAL, ENOENT, type NetlinkLibc } from './netlink-libc.js';
import { NetlinkSocket, NetlinkError, describeErrno } from './netlink-socket.js';
import { LinuxNetError } from './linuxnet-exec.js';

export const NETNS_RUN_DIR = '/run/netns';
const SELF_NET = '/proc/thread-self/ns/net';

let own: number | undefined;
let prepared = false;

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

/**
 * Runs `body` (the main thread is in another network namespace meanwhile), then returns the thread to its own.
 * When that return fails, `release` undoes what body made (a socket would keep the pod's namespace alive) and
 * `die` ends the service (its message names body's own error too, if it threw); `die` returns only in tests.
 */
export function awayFromOwnNetns<T>(lc: NetlinkLibc, log: (m: string) => void, body: () => T, release: (made: T) => void,
  die: (why: string) => never = exitFatally): T {
  let made: { value: T } | undefined;
  let failure: unknown;
  try { made = { value: body() }; } catch (e) { failure = e; }
  if (lc.setns(ownNetns(), CLONE_NEWNET) !== 0) {
    const errno = lc.errno();
    if (made) { try { release(made.value); } catch { /* exiting */ } }
    const during = made ? '' : `, after the step inside failed: ${failure instanceof Error ? failure.message : String(failure)}`;
    const why = `netns: the service's main thread could not return to its own network namespace (${describeErrno(lc, errno)}${during}); ending the service, to be started again clean`;
    log(why);
    die(why);
  }
  if (!made) throw failure;
  return made.value;
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
  try {
    if (lc.unshare(CLONE_NEWNET) !== 0) fail(lc, 'unshare(CLONE_NEWNET)');
    return awayFromOwnNetns(lc, log, () => {
      if (lc.mount(SELF_NET, path, 'none', MS_BIND, null) !== 0) fail(lc, `binding the new namespace on ${path}`);
      return NetlinkSocket.open(lc);
    }, (sock) => sock.close());
  } catch (e) {
    removeNetnsAfterFailure(lc, name, log);
    throw e;
  }
}

/**
 * `ip netns delete NAME`: detach the bind mount, remove the file. What is not there (no file: ENOENT; no mount on
 * it: EINVAL) is nothing to do; any other failure (EBUSY, EPERM…) is a LinuxNetError naming the path.
 */
export function removeNetns(lc: NetlinkLibc, name: string): void {
  const path = `${NETNS_RUN_DIR}/${name}`;
  if (lc.umount2(path, MNT_DETACH) !== 0) {
    const e = lc.errno();
    if (e !== ENOENT && e !== EINVAL) throw new LinuxNetError(`ip netns delete ${name}: unmounting ${path}: ${describeErrno(lc, e)}`);
  }
  try { unlinkSync(path); } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new LinuxNetError(`ip netns delete ${name}: removing ${path}: ${(e as Error).message}`);
  }
}

/** removeNetns on a failure path: its own failure is logged, the caller rethrows the first error. */
export function removeNetnsAfterFailure(lc: NetlinkLibc, name: string, log: (m: string) => void): void {
  try { removeNetns(lc, name); } catch (e) { log(`${(e as Error).message} (cleaning up after a failed step)`); }
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
    return { sock: awayFromOwnNetns(lc, log, () => NetlinkSocket.open(lc), (sock) => sock.close()), nsFd };
  } catch (e) {
    closeSync(nsFd);
    throw e;
  }
}
