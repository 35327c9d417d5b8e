/**
 * NetlinkSocket against a simulated kernel (an injected NetlinkLibc): a failed sendto or recv reports the call's
 * errno, not 0; concurrent requests on one socket run one after the other. Pure (no socket is opened).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NetlinkSocket, NetlinkError } from '../../../../../src/platform/emulator/service/netlink-socket.js';
import { message, parseMessages, NLMSG_ERROR } from '../../../../../src/platform/emulator/service/netlink-msg.js';
import type { NetlinkLibc } from '../../../../../src/platform/emulator/service/netlink-libc.js';

const [EPERM, EAGAIN, EBADF, ENOBUFS] = [1, 11, 9, 105];

/** A fake libc: `answer` gives the datagrams the kernel queues for a request; `events` records the calls. */
function fakeKernel(o: { sendFails?: { errno: number; sync?: boolean }; recvFails?: number; answer?: (seq: number) => Buffer[] }) {
  const queue: Buffer[] = [];
  const events: string[] = [];
  let errno = 0;
  // Asynchronous calls queued together complete in reverse order (pool threads race).
  const pending: (() => void)[] = [];
  const fn = (sync: (...a: unknown[]) => number) => Object.assign(sync, {
    async(...a: unknown[]) {
      const cb = a.pop() as (err: unknown, r: number) => void;
      if (pending.push(() => cb(null, sync(...a))) === 1) setImmediate(() => { for (const p of pending.splice(0).reverse()) p(); });
    },
  });
  const ok = fn(() => 0);
  const sendto = fn((_fd, msg) => {
    if (o.sendFails) { errno = o.sendFails.errno; return -1; }
    const seq = parseMessages(msg as Buffer)[0]!.seq;
    events.push(`send ${seq}`);
    queue.push(...(o.answer ?? ack)(seq));
    return (msg as Buffer).length;
  });
  if (o.sendFails?.sync) sendto.async = () => { throw new Error('too many asynchronous calls'); };
  const recv = fn((_fd, buf) => {
    const d = queue.shift();
    if (!d) { errno = o.recvFails ?? EAGAIN; return -1; }
    events.push(`recv ${parseMessages(d)[0]!.seq}`);
    d.copy(buf as Buffer);
    return d.length;
  });
  const lc = {
    socket: fn(() => 7), bind: ok, setsockopt: ok, close: ok, setns: ok, unshare: ok, mount: ok, umount2: ok, sendto, recv,
    strerror: (n: number) => `strerror ${n}`, errno: () => errno,
  } as unknown as NetlinkLibc;
  return { lc, events };
}

/** One datagram of data, then the ACK (NLMSG_ERROR with errno 0) in a second one. */
function ack(seq: number): Buffer[] {
  const data = message(16, 0, seq, Buffer.from([seq, 0, 0, 0]));
  return [data, message(NLMSG_ERROR, 0, seq, Buffer.alloc(20))];
}

test('a failed asynchronous sendto reports its errno', async () => {
  const s = NetlinkSocket.open(fakeKernel({ sendFails: { errno: EPERM } }).lc);
  await assert.rejects(s.request((seq) => message(18, 5, seq, Buffer.alloc(16))),
    (e: Error) => e instanceof NetlinkError && e.errno === EPERM && /sendto: strerror 1 \(EPERM\)/.test(e.message));
});

test('a sendto run on this thread (koffi queue full) reports its errno too', async () => {
  const s = NetlinkSocket.open(fakeKernel({ sendFails: { errno: ENOBUFS, sync: true } }).lc);
  await assert.rejects(s.request((seq) => message(18, 5, seq, Buffer.alloc(16))),
    (e: Error) => e instanceof NetlinkError && e.errno === ENOBUFS && /ENOBUFS/.test(e.message));
});

test('a recv that fails reports its errno; one that timed out says so', async () => {
  const none = () => [];
  const bad = NetlinkSocket.open(fakeKernel({ answer: none, recvFails: EBADF }).lc);
  await assert.rejects(bad.request((seq) => message(18, 5, seq, Buffer.alloc(16))),
    (e: Error) => e instanceof NetlinkError && e.errno === EBADF && /no answer from the kernel.*recv: strerror 9 \(EBADF\)/.test(e.message));
  const slow = NetlinkSocket.open(fakeKernel({ answer: none }).lc);
  await assert.rejects(slow.request((seq) => message(18, 5, seq, Buffer.alloc(16))),
    (e: Error) => e instanceof NetlinkError && e.errno === EAGAIN && /EAGAIN.*none within 10 s/.test(e.message));
});

test('concurrent requests on one socket run one after the other, each with its own answers', async () => {
  const { lc, events } = fakeKernel({});
  const s = NetlinkSocket.open(lc);
  const ask = () => s.request((seq) => message(18, 5, seq, Buffer.alloc(16)));
  const [a, b, c] = await Promise.all([ask(), ask(), ask()]);
  assert.deepEqual([a, b, c].map((r) => r.map((m) => m.body[0])), [[1], [2], [3]]);
  assert.deepEqual(events, ['send 1', 'recv 1', 'recv 1', 'send 2', 'recv 2', 'recv 2', 'send 3', 'recv 3', 'recv 3']);
});

test('a failed request does not block the next one on the socket', async () => {
  let first = true;
  const { lc } = fakeKernel({
    answer: (seq) => {
      if (!first) return ack(seq);
      first = false;
      const err = Buffer.alloc(20);
      err.writeInt32LE(-EPERM, 0);
      return [message(NLMSG_ERROR, 0, seq, err)];
    },
  });
  const s = NetlinkSocket.open(lc);
  const ask = () => s.request((seq) => message(18, 5, seq, Buffer.alloc(16)));
  const [x, y] = await Promise.allSettled([ask(), ask()]);
  assert.equal(x.status, 'rejected');
  assert.ok(y.status === 'fulfilled' && y.value.length === 1);
});
