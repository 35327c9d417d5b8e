/** One client connection of the IO keeper: JSON request lines in, responses and exit events out. */
import type { Socket } from 'node:net';
import { TextLineSplitter } from '../util/lines.js';
import { KEEPER_METHODS, MAX_REQUEST_LINE, toWireError, type KeeperMethod, type WireError } from './protocol.js';

export interface KeeperConnectionHandlers {
  dispatch(sock: Socket, method: KeeperMethod, params: unknown): Promise<unknown>;
  /** Takes over the connection for an attach session (it stops being a request connection). */
  attach(sock: Socket, id: number, params: unknown): void;
  onFailure(method: string, e: unknown): void;
  onClose(sock: Socket): void;
}

export function sendLine(sock: Socket, msg: unknown): void {
  if (!sock.destroyed && sock.writable) sock.write(JSON.stringify(msg) + '\n');
}

export function serveConnection(sock: Socket, h: KeeperConnectionHandlers): void {
  const lines = new TextLineSplitter((line) => onLine(sock, line, h));
  sock.on('data', (data: Buffer) => {
    lines.push(data);
    if (lines.pendingBytes > MAX_REQUEST_LINE) {
      sendLine(sock, { id: null, error: { code: 'InvalidArgument', message: 'request line too long' } });
      sock.end();
      lines.reset();
    }
  });
  sock.on('error', () => undefined);
  sock.on('close', () => h.onClose(sock));
}

function onLine(sock: Socket, line: string, h: KeeperConnectionHandlers): void {
  if (line.trim() === '') return;
  let req: unknown;
  try {
    req = JSON.parse(line);
  } catch {
    sendLine(sock, { id: null, error: { code: 'InvalidArgument', message: 'malformed JSON request' } });
    return;
  }
  const r = req as { id?: unknown; method?: unknown; params?: unknown };
  const id = typeof r === 'object' && r !== null && typeof r.id === 'number' ? r.id : null;
  if (id === null) {
    sendLine(sock, { id: null, error: { code: 'InvalidArgument', message: 'request needs a numeric id' } });
    return;
  }
  if (typeof r.method !== 'string' || !(KEEPER_METHODS as readonly string[]).includes(r.method)) {
    sendLine(sock, { id, error: { code: 'InvalidArgument', message: `unknown method ${JSON.stringify(r.method)}` } });
    return;
  }
  if (r.method === 'attach') { h.attach(sock, id, r.params); return; }
  h.dispatch(sock, r.method as KeeperMethod, r.params).then(
    (result) => sendLine(sock, { id, result }),
    (e: unknown) => {
      const error: WireError = toWireError(e);
      if (error.code === 'Internal') h.onFailure(r.method as string, e);
      sendLine(sock, { id, error });
    });
}
