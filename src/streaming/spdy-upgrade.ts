/**
 * The HTTP side of a SPDY/3.1 upgrade (apimachinery httpstream Handshake): the client lists its protocols in
 * X-Stream-Protocol-Version; the first one the server supports is chosen and echoed in the 101 response.
 * No header → 400; nothing in common → 403 with X-Accepted-Stream-Protocol-Versions.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { negotiate, parseOffers } from './remotecommand/protocols.js';
import { replyAndClose } from './http-reply.js';

export function isSpdyUpgrade(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase().startsWith('spdy/3.1');
}

/** Writes the 101 (or the refusal) and returns the negotiated protocol, or undefined when refused. */
export function spdyHandshake(req: IncomingMessage, socket: Duplex, supported: string[]): string | undefined {
  const offers = parseOffers(req.headers['x-stream-protocol-version']);
  if (offers.length === 0) {
    replyAndClose(socket, 400, 'unable to upgrade: X-Stream-Protocol-Version is required');
    return undefined;
  }
  const chosen = negotiate(offers, supported);
  if (!chosen) {
    replyAndClose(socket, 403, `unable to upgrade: unable to negotiate protocol: client supports [${offers.join(' ')}], server accepts [${supported.join(' ')}]`,
      supported.map((p) => ['X-Accepted-Stream-Protocol-Versions', p]));
    return undefined;
  }
  socket.write([
    'HTTP/1.1 101 Switching Protocols',
    'Connection: Upgrade',
    'Upgrade: SPDY/3.1',
    `X-Stream-Protocol-Version: ${chosen}`,
  ].join('\r\n') + '\r\n\r\n');
  return chosen;
}
