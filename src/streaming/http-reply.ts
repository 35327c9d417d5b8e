/** A plain HTTP/1.1 response written straight onto an upgrade request's socket (which then closes). */
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';

export function replyAndClose(socket: Duplex, status: number, body: string, headers: [string, string][] = []): void {
  if (socket.destroyed) return;
  const text = body.endsWith('\n') ? body : body + '\n';
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(text)}`,
    'Connection: close',
    ...headers.map(([k, v]) => `${k}: ${v}`),
  ].join('\r\n');
  socket.end(`${head}\r\n\r\n${text}`);
}
