/**
 * An acknowledged output stream of an emulated process (protocol.ts, service/relay.ts) as one Readable that
 * outlives emulator service restarts. When an attachment ends, the stream attaches again from the last
 * acknowledged offset, telling the service how far it has received (a relay re-made after a service restart
 * numbers on from there), and skips what it already delivered. The output's real end is an attachment the service
 * opened on an already ended pipe (`eof`) ending with nothing new; so is a process or pipe the service no longer
 * has. (An attachment's end alone says nothing: a killed service ends it too.) While the service is
 * unreachable (killed, restarting) it keeps trying (reattach.ts): the program meanwhile blocks on its pipe, which
 * outlives the service (service/stdio-fifo.ts). Given up on for any other reason than the process or its pipe being
 * gone, the stream fails with an error saying so (its reader, the IO keeper's pump, logs it): it never just ends.
 */
import { PassThrough, type Readable } from 'node:stream';
import type { Socket } from 'node:net';
import type { AckedOutput } from '../types.js';
import type { EmulatorClient } from './client.js';
import { reattach } from './reattach.js';
import { isGone, PlatformError, HRESULT } from '../hresult.js';

export interface Attachment { sock: Socket; start: number; gap: number; eof: boolean }

export function ackedOutput(c: EmulatorClient, systemId: string, pid: number, name: 'stdout' | 'stderr', first: Attachment): { stream: Readable; acks: AckedOutput } {
  const out = new PassThrough();
  // Its reader (the IO keeper's pump) sees a give-up's error through its iterator; one before the reader is
  // listening must not be an uncaught 'error' event that ends the process.
  out.on('error', () => undefined);
  let sock = first.sock;
  let received = first.start;
  let lastAck = first.start;
  const acks: AckedOutput = {
    start: first.start, gap: first.gap,
    ack(offset: number) {
      if (offset <= lastAck) return;
      lastAck = offset;
      if (!sock.destroyed && sock.writable) sock.write(`${offset}\n`);
    },
  };
  out.on('close', () => sock.destroy());

  const follow = (s: Socket, skip: number, eof: boolean) => {
    let delivered = 0;
    s.on('error', () => undefined);
    s.on('data', (chunk: Buffer) => {
      let d = chunk;
      if (skip > 0) { const n = Math.min(skip, d.length); skip -= n; d = d.subarray(n); }
      if (d.length === 0) return;
      delivered += d.length;
      received += d.length;
      if (!out.write(d)) { s.pause(); out.once('drain', () => s.resume()); }
    });
    s.once('close', () => { if (eof && delivered === 0) out.end(); else void again(); });
  };

  const again = async () => {
    if (out.destroyed || out.writableEnded) return;
    await reattach(async () => {
      const from = lastAck;
      const a = await c.attachAcked(systemId, pid, name, from, received);
      if (out.destroyed) { a.sock.destroy(); return; }
      sock = a.sock;
      // An acknowledgement made while this attachment was being set up went nowhere (the old socket was gone):
      // the service knows only `from`. Said again now, or the bytes up to it stay on its side for good (nothing
      // newer may come to acknowledge: the program can be blocked on the full window those bytes hold).
      if (lastAck > from) sock.write(`${lastAck}\n`);
      follow(a.sock, Math.max(0, received - a.start), a.eof);
    }, () => out.destroyed || c.isClosed, (e) => {
      // Gone for good (the process or its pipe), or this client shutting down: the stream's end. Anything else
      // leaves the program writing into a pipe nobody reads: an error, not an end.
      if (isGone(e) || c.isClosed) { out.end(); return; }
      const why = e instanceof Error ? e.message : String(e);
      out.destroy(new PlatformError(e instanceof PlatformError ? e.hresult : HRESULT.HCS_E_SERVICE_DISCONNECT, 'AttachStdio',
        `${name} of process ${pid} in ${systemId} could not be reattached after ${received} byte(s); its further output is not read (${why})`));
    });
  };

  follow(first.sock, 0, first.eof);
  return { stream: out, acks };
}
