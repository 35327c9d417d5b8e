/**
 * A stream attachment (AttachRequest): the service names itself first when asked (`greet`: AttachGreeting); after the
 * 'attach' fault point the process's stdin, stdout or stderr is connected to the socket; an output stream another
 * reader holds is waited for up to the request's waitMs (at most MAX_ATTACH_WAIT_MS). The answer is one JSON line
 * (`{ ok, ...offsets }`, or `{ error }` and the socket's end); the stream's bytes follow on the socket.
 */
import type { Socket } from 'node:net';
import { PlatformError, HRESULT } from '../../hresult.js';
import { toWireError, type AttachGreeting, type AttachRequest } from '../protocol.js';
import type { ComputeEmulator } from './compute.js';
import type { Faults } from './faults.js';

/** The longest an attachment waits for a stream another reader holds (AttachRequest.waitMs), whatever it asks. */
const MAX_ATTACH_WAIT_MS = 60_000;

export function attachStream(sock: Socket, msg: AttachRequest, compute: ComputeEmulator, faults: Faults): void {
  const { systemId, pid, stream, acked, from, resumeAt, keep, waitMs, greet } = msg.attach;
  sock.pause();
  if (greet === true) sock.write(JSON.stringify({ service: { pid: process.pid } } satisfies AttachGreeting) + '\n');
  faults.check('attach').then(async () => {
    if (stream !== 'stdin' && stream !== 'stdout' && stream !== 'stderr') throw new PlatformError(HRESULT.E_INVALIDARG, 'AttachStdio', `bad stream ${String(stream)}`);
    const opts = { acked: acked === true, keep: keep === true, ...(typeof from === 'number' ? { from } : {}), ...(typeof resumeAt === 'number' ? { resumeAt } : {}) };
    const wait = typeof waitMs === 'number' && Number.isFinite(waitMs) ? Math.min(Math.max(waitMs, 0), MAX_ATTACH_WAIT_MS) : 0;
    await compute.attachWhenFree(systemId, pid, stream, sock, (info) => sock.write(JSON.stringify({ ok: true, ...info }) + '\n'), opts, wait);
    sock.resume();
  }).catch((e: unknown) => {
    sock.end(JSON.stringify({ error: toWireError(e, 'AttachStdio') }) + '\n');
  });
}
