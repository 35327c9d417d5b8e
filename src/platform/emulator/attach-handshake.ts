/**
 * The client's side of a stdio attachment's handshake (protocol.ts): the request line, then the service's lines up
 * to its answer. The attachment asks the service to name itself first (`greet`), so when the connection is cut
 * before the answer the failure names the instance that took it (connection-errors.ts servicePid; reattach.ts
 * counts by it). The client's own `hello` may describe an instance that is gone already (its control connection's
 * close not seen yet, while the socket path leads to the next one): it is used only for a service that does not
 * greet (an older wincri's, which says so by not claiming attachGreets), never to blame another instance's cut.
 */
import type { Socket } from 'node:net';
import { PlatformError, HRESULT } from '../hresult.js';
import { serviceLost } from './connection-errors.js';
import { fromWireError, type AttachAnswer, type AttachGreeting, type AttachRequest, type HelloAnswer, type WireError } from './protocol.js';

type Line = Partial<AttachAnswer> & Partial<AttachGreeting> & { error?: WireError };

/**
 * Sends the attachment request on `s` (a fresh connection) and resolves with the answer; rejects with the service's
 * error, a protocol error, or serviceLost when the connection closes first. `hello`: the client's last answer.
 */
export function attachHandshake(s: Socket, attach: AttachRequest['attach'], hello: HelloAnswer | undefined): Promise<AttachAnswer> {
  s.write(JSON.stringify({ attach: { ...attach, greet: true } } satisfies AttachRequest) + '\n');
  let greetedPid: number | undefined;
  return new Promise((resolve, reject) => {
    // Read the lines with 'readable'/read() so the socket never enters flowing mode: once the listener is removed
    // the stream is back to its initial state and the caller's 'data' listener or pipe() starts it.
    let buf = Buffer.alloc(0);
    const done = () => { s.off('readable', onReadable); s.off('close', onClose); };
    const onReadable = () => {
      let d: Buffer | null;
      while ((d = s.read() as Buffer | null) !== null) {
        buf = Buffer.concat([buf, d]);
        for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10)) {
          const head = buf.subarray(0, i).toString('utf8');
          buf = buf.subarray(i + 1);
          let msg: Line;
          try { msg = JSON.parse(head) as Line; } catch { done(); s.destroy(); reject(new PlatformError(HRESULT.HCS_E_PROTOCOL_ERROR, 'AttachStdio', 'bad handshake')); return; }
          if (msg.service) { greetedPid = typeof msg.service.pid === 'number' ? msg.service.pid : undefined; continue; }
          done();
          if (msg.error) { s.destroy(); reject(fromWireError(msg.error, 'AttachStdio')); return; }
          if (buf.length > 0) s.unshift(buf);
          resolve({ ok: true, start: msg.start, gap: msg.gap, eof: msg.eof });
          return;
        }
      }
    };
    // The service went away before it answered (killed mid-handshake): the same failure as a request's, naming
    // the instance that greeted; unnamed when one that greets was cut before it could.
    const onClose = () => reject(serviceLost('AttachStdio', greetedPid ?? (hello && !hello.attachGreets ? hello.pid : undefined)));
    s.on('readable', onReadable);
    s.on('close', onClose);
    s.on('error', () => undefined);
  });
}
