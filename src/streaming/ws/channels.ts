/**
 * The Kubernetes WebSocket channel protocol: every message is one channel byte followed by payload (binary
 * variants) or an ASCII digit followed by base64 (base64 variants). v5 adds the client's CLOSE signal
 * [255, channel], which ends that channel's input (stdin EOF). Channels are exposed as Node streams with
 * backpressure: a write completes when ws has handed the message to the socket, and a full input channel
 * pauses the WebSocket until it is read.
 */
import { Readable, Writable } from 'node:stream';
import type { WebSocket, RawData } from 'ws';

export const CLOSE_SIGNAL = 255;

export interface ChannelOptions {
  base64: boolean;
  /** v5: honour [255, channel] from the client. */
  closeSignal: boolean;
  onWarning?(message: string): void;
}

export class WsChannels {
  private readonly inputs = new Map<number, Readable>();
  private readonly pausedBy = new Set<number>();
  readonly closed: Promise<void>;

  constructor(private readonly ws: WebSocket, private readonly opts: ChannelOptions) {
    this.closed = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(toBuffer(data), isBinary));
    ws.once('close', () => { for (const r of this.inputs.values()) r.push(null); });
  }

  /** Client → server channel (stdin, resize, port-forward data). */
  input(channel: number): Readable {
    const r = new Readable({ read: () => { if (this.pausedBy.delete(channel) && this.pausedBy.size === 0) this.ws.resume(); } });
    this.inputs.set(channel, r);
    if (this.ws.readyState !== this.ws.OPEN) r.push(null);
    return r;
  }

  /** Server → client channel. end() sends nothing: the protocol has no server-side channel close. */
  output(channel: number): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => this.send(channel, chunk, () => cb()),
    });
  }

  send(channel: number, payload: Buffer, done?: () => void): void {
    if (this.ws.readyState !== this.ws.OPEN) { done?.(); return; }
    const msg = this.opts.base64
      ? String.fromCharCode(48 + channel) + payload.toString('base64')
      : Buffer.concat([Buffer.of(channel), payload]);
    this.ws.send(msg, { binary: !this.opts.base64 }, () => done?.());
  }

  close(code = 1000, reason = ''): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason);
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    let channel: number;
    let payload: Buffer;
    if (this.opts.base64 && !isBinary) {
      const text = data.toString('latin1');
      channel = text.charCodeAt(0) - 48;
      payload = Buffer.from(text.slice(1), 'base64');
    } else {
      channel = data[0] ?? -1;
      payload = data.subarray(1);
    }
    if (channel === CLOSE_SIGNAL && this.opts.closeSignal) {
      const target = payload[0];
      if (target !== undefined) this.inputs.get(target)?.push(null);
      return;
    }
    const r = this.inputs.get(channel);
    if (!r) {
      if (data.length > 0) this.opts.onWarning?.(`data for channel ${channel}, which takes no input, dropped`);
      return;
    }
    if (r.readableEnded) return;
    if (payload.length > 0 && !r.push(payload)) {
      this.pausedBy.add(channel);
      this.ws.pause();
    }
  }
}

function toBuffer(d: RawData): Buffer {
  if (Buffer.isBuffer(d)) return d;
  if (Array.isArray(d)) return Buffer.concat(d);
  return Buffer.from(d);
}
