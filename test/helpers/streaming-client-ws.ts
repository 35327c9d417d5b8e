/**
 * A WebSocket test client for the Kubernetes channel protocol, like crictl --transport websocket (v5 only, CLOSE
 * signal for stdin EOF) or older clients (v4, base64 variants). Collects what arrives per channel.
 */
import WebSocket from 'ws';

export class WsTestClient {
  readonly channels = new Map<number, Buffer[]>();
  readonly messages: Buffer[] = [];
  readonly closed: Promise<{ code: number }>;

  private constructor(readonly ws: WebSocket, readonly base64: boolean) {
    this.closed = new Promise((r) => ws.once('close', (code) => r({ code })));
    ws.on('message', (data: Buffer, isBinary) => {
      let channel: number;
      let payload: Buffer;
      if (base64 && !isBinary) {
        const t = data.toString('latin1');
        channel = t.charCodeAt(0) - 48;
        payload = Buffer.from(t.slice(1), 'base64');
      } else {
        channel = data[0]!;
        payload = data.subarray(1);
      }
      this.messages.push(Buffer.concat([Buffer.of(channel), payload]));
      (this.channels.get(channel) ?? this.channels.set(channel, []).get(channel)!).push(payload);
    });
  }

  static connect(url: string, protocols: string[]): Promise<WsTestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url.replace(/^http/, 'ws'), protocols);
      ws.once('open', () => resolve(new WsTestClient(ws, ws.protocol.includes('base64'))));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
      ws.once('error', reject);
    });
  }

  send(channel: number, data: Buffer | string): void {
    const b = Buffer.from(data);
    if (this.base64) this.ws.send(String.fromCharCode(48 + channel) + b.toString('base64'));
    else this.ws.send(Buffer.concat([Buffer.of(channel), b]));
  }

  /** v5 CLOSE signal: no more data on `channel`. */
  closeChannel(channel: number): void {
    this.ws.send(Buffer.of(255, channel));
  }

  text(channel: number): string {
    return Buffer.concat(this.channels.get(channel) ?? []).toString('utf8');
  }
}
