/**
 * Runs one consumed session on an upgraded connection: SPDY/3.1 (exec/attach/port-forward), WebSocket channels
 * (exec/attach, port-forward) or the WebSocket-wrapped SPDY port-forward tunnel. Resolves when the session is
 * over and the connection is closed.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, type WebSocket, type WebSocketServer } from 'ws';
import type { Logger } from '../util/log.js';
import type { StreamSession } from './types.js';
import { SpdyConnection } from './spdy/connection.js';
import { spdyHandshake } from './spdy-upgrade.js';
import { replyAndClose } from './http-reply.js';
import {
  PORT_FORWARD_TUNNEL, PORT_FORWARD_V1, SPDY_EXEC_PROTOCOLS, SPDY_PORT_FORWARD_PROTOCOLS, WS_EXEC_PROTOCOLS,
  WS_PORT_FORWARD_PROTOCOLS, negotiate, parseOffers, protocolVersion,
} from './remotecommand/protocols.js';
import { StreamCollector, expectedStreams, serveSpdyCommand } from './remotecommand/spdy-exec.js';
import { serveWsCommand } from './remotecommand/ws-exec.js';
import { SpdyPortForward } from './portforward/spdy-portforward.js';
import { serveWsPortForward } from './portforward/ws-portforward.js';

export interface DispatchOptions {
  idleTimeoutMs: number;
  streamCreationTimeoutMs: number;
  log: Logger;
}

export async function serveSpdy(req: IncomingMessage, socket: Duplex, head: Buffer, session: StreamSession, o: DispatchOptions): Promise<void> {
  const protocol = spdyHandshake(req, socket, session.kind === 'portforward' ? SPDY_PORT_FORWARD_PROTOCOLS : SPDY_EXEC_PROTOCOLS);
  if (protocol) await serveSpdySession(socket, head, session, protocol, o);
}

async function serveSpdySession(socket: Duplex, head: Buffer | undefined, session: StreamSession, protocol: string, o: DispatchOptions): Promise<void> {
  const onWarning = (m: string): void => o.log.info(`spdy: ${m}`);
  if (session.kind === 'portforward') {
    let pf: SpdyPortForward | undefined;
    const conn = new SpdyConnection(socket, { idleTimeoutMs: o.idleTimeoutMs, onStream: (s) => pf!.onStream(s), onWarning });
    pf = new SpdyPortForward(session, conn.closed, o.streamCreationTimeoutMs, o.log);
    conn.start(head);
    await conn.closed;
    await pf.closed();
    return;
  }
  const version = protocolVersion(protocol);
  const collector = new StreamCollector(expectedStreams(session, version), o.log);
  const conn = new SpdyConnection(socket, { idleTimeoutMs: o.idleTimeoutMs, onStream: (s) => collector.add(s), onWarning });
  conn.start(head);
  await serveSpdyCommand(conn, collector, session, version, o.streamCreationTimeoutMs, o.log);
}

/** Picks the WebSocket subprotocol (undefined: refused with 400 already). */
export function wsProtocol(req: IncomingMessage, socket: Duplex, session: StreamSession): string | undefined {
  const offers = parseOffers(req.headers['sec-websocket-protocol']);
  const supported = session.kind === 'portforward' ? WS_PORT_FORWARD_PROTOCOLS : WS_EXEC_PROTOCOLS;
  const chosen = offers.length === 0 ? '' : negotiate(offers, supported);
  if (chosen === undefined) {
    replyAndClose(socket, 400, `unable to upgrade: none of the WebSocket subprotocols [${offers.join(' ')}] is supported; server accepts [${supported.filter((p) => p).join(' ')}]`);
  }
  return chosen;
}

export async function serveWebSocket(ws: WebSocket, session: StreamSession, o: DispatchOptions): Promise<void> {
  ws.on('error', (e: Error) => o.log.info('websocket error', { err: e.message }));
  if (session.kind === 'portforward' && ws.protocol === PORT_FORWARD_TUNNEL) {
    const duplex = createWebSocketStream(ws);
    duplex.on('error', () => { /* reported through ws 'error' */ });
    return serveSpdySession(duplex, undefined, session, PORT_FORWARD_V1, o);
  }
  if (session.kind === 'portforward') return serveWsPortForward(ws, session, o.log);
  return serveWsCommand(ws, session, o.log);
}

export function acceptWebSocket(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<WebSocket> {
  return new Promise((resolve) => wss.handleUpgrade(req, socket, head, resolve));
}
