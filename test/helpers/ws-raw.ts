/**
 * A bare WebSocket client for subprotocols the `ws` client refuses to send (client-go's tunnel protocol
 * "SPDY/3.1+portforward.k8s.io" contains '/'): manual handshake, then a Duplex carrying binary messages
 * (masked client frames out, server frames in; pings answered, close ends the stream).
 */
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

export function rawWebSocket(url: string, protocol: string): Promise<{ stream: Duplex; protocol: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      agent: false,
      headers: {
        Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'), 'Sec-WebSocket-Protocol': protocol,
      },
    });
    req.on('upgrade', (res, socket: Socket, head: Buffer) => resolve({ stream: frameStream(socket, head), protocol: String(res.headers['sec-websocket-protocol']) }));
    req.on('response', (res) => reject(new Error(`HTTP ${res.statusCode}`)));
    req.on('error', reject);
    req.end();
  });
}

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.of(0x80 | opcode, 0x80 | len)
    : len < 65536 ? Buffer.concat([Buffer.of(0x80 | opcode, 0x80 | 126), u16(len)])
      : Buffer.concat([Buffer.of(0x80 | opcode, 0x80 | 127), u64(len)]);
  const mask = randomBytes(4);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i & 3]!;
  return Buffer.concat([head, mask, body]);
}

function frameStream(socket: Socket, head: Buffer): Duplex {
  let buf = Buffer.alloc(0);
  const d = new Duplex({
    read: () => socket.resume(),
    write: (chunk: Buffer, _e, cb) => { socket.write(frame(2, chunk), cb); },
    final: (cb) => { socket.write(frame(8, Buffer.of(0x03, 0xe8)), () => { socket.end(); cb(); }); },
  });
  const onBytes = (b: Buffer): void => {
    buf = Buffer.concat([buf, b]);
    for (;;) {
      if (buf.length < 2) return;
      const op = buf[0]! & 0x0f;
      let len = buf[1]! & 0x7f;
      let off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
      if (buf.length < off + len) return;
      const payload = buf.subarray(off, off + len);
      buf = buf.subarray(off + len);
      if (op === 8) { d.push(null); socket.end(); return; }
      if (op === 9) { socket.write(frame(10, payload)); continue; }
      if (op === 0 || op === 2) { if (!d.push(Buffer.from(payload))) socket.pause(); }
    }
  };
  socket.on('data', onBytes);
  socket.on('close', () => { d.push(null); d.destroy(); });
  if (head.length) onBytes(head);
  return d;
}

const u16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
const u64 = (n: number): Buffer => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; };
