/**
 * A NETLINK_ROUTE socket of the emulator (./netlink-libc.ts). The socket belongs to the network namespace its
 * opener's thread was in (./netns-ops.ts opens one inside a pod's namespace); it stays there whichever thread uses
 * it later. One request at a time (a mutex orders concurrent callers): it is sent on a libuv pool thread (the
 * kernel does the work, and may wait for the rtnl lock, inside sendto), and its answer, queued before sendto
 * returned, is read without blocking.
 */
import { netlinkLibc, AF_NETLINK, SOCK_RAW, SOCK_CLOEXEC, NETLINK_ROUTE, SOL_SOCKET, SO_RCVTIMEO, SOL_NETLINK, NETLINK_CAP_ACK, NETLINK_EXT_ACK, MSG_DONTWAIT, EAGAIN, type NetlinkLibc } from './netlink-libc.js';
import { parseMessages, parseError, NLMSG_ERROR, NLMSG_DONE, type Parsed } from './netlink-msg.js';
import { errnoName } from './errno-name.js';
import { LinuxNetError } from './linuxnet-exec.js';
import { Mutex } from '../../../util/mutex.js';

/** A failed request: the kernel's errno, or the failed call's (0 when there is none), and its message. */
export class NetlinkError extends LinuxNetError {
  constructor(readonly errno: number, detail: string) { super(detail); }
}

/** "File exists (EEXIST)" plus the kernel's extended-ack text when it gave one. */
export function describeErrno(lc: NetlinkLibc, errno: number, text?: string): string {
  return `${lc.strerror(errno)} (${errnoName(errno)})${text ? `: ${text}` : ''}`;
}

const RECV_SIZE = 65536;
/** How long a blocking read (never expected) waits. */
const RCV_TIMEOUT_S = 10;

export class NetlinkSocket {
  private seq = 0;
  private readonly buf = Buffer.alloc(RECV_SIZE);
  private readonly lock = new Mutex();
  private constructor(private readonly lc: NetlinkLibc, readonly fd: number) {}

  /** Opens a socket in the calling thread's network namespace (synchronous). */
  static open(lc: NetlinkLibc): NetlinkSocket {
    const fd = lc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) { const e = lc.errno(); throw new NetlinkError(e, `netlink socket: ${describeErrno(lc, e)}`); }
    const one = Buffer.alloc(4);
    one.writeInt32LE(1, 0);
    // Capped acks (only the request's header echoed) with the kernel's text; both optional (older kernels).
    lc.setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, one, 4);
    lc.setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, one, 4);
    const tv = Buffer.alloc(16);
    tv.writeBigInt64LE(BigInt(RCV_TIMEOUT_S), 0);
    lc.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
    const sa = Buffer.alloc(12);
    sa.writeUInt16LE(AF_NETLINK, 0);
    if (lc.bind(fd, sa, 12) !== 0) {
      const e = lc.errno();
      lc.close(fd);
      throw new NetlinkError(e, `netlink bind: ${describeErrno(lc, e)}`);
    }
    return new NetlinkSocket(lc, fd);
  }

  close(): void { this.lc.close(this.fd); }

  /**
   * Sends the request `build(seq)` makes; resolves with the answers before its ACK, rejects with its errno.
   * Requests on one socket run one after the other (they share the receive buffer and tell their answers by seq).
   */
  request(build: (seq: number) => Buffer): Promise<Parsed[]> { return this.lock.run(() => this.exchange(build)); }

  private async exchange(build: (seq: number) => Buffer): Promise<Parsed[]> {
    const seq = ++this.seq;
    const msg = build(seq);
    const sent = await new Promise<{ n: number; errno: number }>((res, rej) => {
      try {
        // koffi sets errno to the pool thread's while the callback runs.
        this.lc.sendto.async(this.fd, msg, msg.length, 0, null, 0, (err: unknown, n: number) => (err ? rej(err) : res({ n, errno: n < 0 ? this.lc.errno() : 0 })));
      } catch {
        // Not queued (koffi: too many asynchronous calls running): sent on this thread instead.
        const n = this.lc.sendto(this.fd, msg, msg.length, 0, null, 0);
        res({ n, errno: n < 0 ? this.lc.errno() : 0 });
      }
    });
    if (sent.n !== msg.length) {
      throw new NetlinkError(sent.errno, `netlink sendto: ${sent.n < 0 ? describeErrno(this.lc, sent.errno) : `${sent.n} of ${msg.length} bytes sent`}`);
    }
    const got: Parsed[] = [];
    for (;;) {
      for (const m of parseMessages(await this.receive())) {
        if (m.seq !== seq) continue;
        if (m.type === NLMSG_ERROR) {
          const { errno, text } = parseError(m);
          if (errno !== 0) throw new NetlinkError(errno, describeErrno(this.lc, errno, text));
          return got;
        }
        if (m.type !== NLMSG_DONE) got.push({ ...m, body: Buffer.from(m.body) });
      }
    }
  }

  private async receive(): Promise<Buffer> {
    let n = this.lc.recv(this.fd, this.buf, RECV_SIZE, MSG_DONTWAIT);
    let errno = n < 0 ? this.lc.errno() : 0;
    if (n < 0 && errno === EAGAIN) {
      // Blocking (never expected: the answer is queued before sendto returns), up to SO_RCVTIMEO.
      [n, errno] = await new Promise<[number, number]>((res, rej) => {
        this.lc.recv.async(this.fd, this.buf, RECV_SIZE, 0, (err: unknown, r: number) => (err ? rej(err) : res([r, r < 0 ? this.lc.errno() : 0])));
      });
    }
    if (n < 0) throw new NetlinkError(errno, `no answer from the kernel on the netlink socket: recv: ${describeErrno(this.lc, errno)}${errno === EAGAIN ? ` (none within ${RCV_TIMEOUT_S} s)` : ''}`);
    if (n === 0) throw new NetlinkError(0, 'no answer from the kernel on the netlink socket: recv read nothing');
    return this.buf.subarray(0, n);
  }
}

export { netlinkLibc };
