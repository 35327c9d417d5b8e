/**
 * A SPDY/3.1 test client that behaves like client-go (moby/spdystream): POST upgrade with X-Stream-Protocol-Version
 * offers, odd increasing stream IDs, each stream waits for SYN_REPLY, half-close with an empty FIN DATA frame,
 * PINGs with odd IDs. It reuses the server's frame codec; interop of that codec with Go is checked separately.
 */
import http from 'node:http';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { FrameParser } from '../../src/streaming/spdy/parser.js';
import { decodeControl, encodeControl, type ControlFrame } from '../../src/streaming/spdy/frames.js';
import { HeaderCompressor, HeaderDecompressor } from '../../src/streaming/spdy/zlib-context.js';
import { dataFrame, FLAG_FIN } from '../../src/streaming/spdy/raw.js';
import type { SpdyHeaders } from '../../src/streaming/spdy/header-block.js';
import { V1, V2, V4 } from '../../src/streaming/remotecommand/protocols.js';

export interface UpgradeRefused { status: number; headers: http.IncomingHttpHeaders; body: string }

export class ClientStream extends EventEmitter {
  readonly chunks: Buffer[] = [];
  collect = true;
  ended = false;
  resetStatus: number | undefined;
  readonly done: Promise<void>;
  private finish!: () => void;

  constructor(private readonly client: SpdyTestClient, readonly id: number) {
    super();
    this.done = new Promise((r) => { this.finish = r; });
  }

  write(data: Buffer | string): boolean {
    return this.client.send(dataFrame(this.id, 0, Buffer.from(data)));
  }

  end(): void {
    this.client.send(dataFrame(this.id, FLAG_FIN, Buffer.alloc(0)));
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  onData(piece: Buffer, fin: boolean): void {
    if (piece.length > 0) {
      if (this.collect) this.chunks.push(Buffer.from(piece));
      this.emit('data', piece);
    }
    if (fin) this.close();
  }

  close(status?: number): void {
    if (this.ended) return;
    this.resetStatus = status;
    this.ended = true;
    this.finish();
  }
}

export class SpdyTestClient extends EventEmitter {
  private nextId = 1;
  private nextPing = 1;
  private readonly deflate = new HeaderCompressor();
  private readonly inflate = new HeaderDecompressor();
  private readonly streams = new Map<number, ClientStream>();
  private readonly replies = new Map<number, (ok: boolean) => void>();
  private readonly pings = new Map<number, () => void>();
  readonly frames: ControlFrame[] = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: Duplex, readonly protocol: string, head: Buffer) {
    super();
    this.closed = new Promise((r) => socket.once('close', () => r()));
    socket.on('error', () => { /* surfaces as close */ });
    socket.once('close', () => { for (const s of this.streams.values()) s.close(-1); for (const r of this.replies.values()) r(false); });
    const parser = new FrameParser({
      control: (type, flags, payload) => this.onControl(decodeControl(type, flags, payload, this.inflate)),
      data: (id, flags, piece, last) => this.streams.get(id)?.onData(piece, last && (flags & FLAG_FIN) !== 0),
    });
    socket.on('data', (b: Buffer) => parser.push(b));
    if (head.length) parser.push(head);
  }

  static async connect(url: string, protocols: string[], method = 'POST'): Promise<SpdyTestClient | UpgradeRefused> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { Connection: 'Upgrade', Upgrade: 'SPDY/3.1' };
      if (protocols.length) headers['X-Stream-Protocol-Version'] = protocols;
      const req = http.request(url, { method, headers, agent: false });
      req.on('upgrade', (res, socket: Socket, head) => {
        if (res.headers.upgrade?.toLowerCase() !== 'spdy/3.1' || !/upgrade/i.test(res.headers.connection ?? '')) return reject(new Error('bad 101'));
        resolve(new SpdyTestClient(socket, String(res.headers['x-stream-protocol-version'] ?? ''), head));
      });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  /** A client on an already-established byte stream (e.g. the WebSocket port-forward tunnel). */
  static over(stream: Duplex, protocol: string): SpdyTestClient {
    return new SpdyTestClient(stream, protocol, Buffer.alloc(0));
  }

  send(frame: Buffer): boolean {
    return this.socket.destroyed ? false : this.socket.write(frame);
  }

  /** Opens a stream and waits for its SYN_REPLY; rejects if the server resets it. */
  async open(headers: SpdyHeaders, fin = false): Promise<ClientStream> {
    const id = this.nextId;
    this.nextId += 2;
    const s = new ClientStream(this, id);
    this.streams.set(id, s);
    const replied = new Promise<boolean>((r) => this.replies.set(id, r));
    this.send(encodeControl({ type: 'syn_stream', flags: fin ? FLAG_FIN : 0, streamId: id, associatedId: 0, priority: 0, slot: 0, headers }, this.deflate));
    if (!(await replied)) throw new Error(`stream ${id} (${JSON.stringify(headers)}) refused, status ${s.resetStatus}`);
    return s;
  }

  /** Sends a raw SYN_STREAM with a chosen ID (for protocol tests) and returns the stream without waiting. */
  rawSyn(id: number, headers: SpdyHeaders): ClientStream {
    const s = new ClientStream(this, id);
    this.streams.set(id, s);
    this.send(encodeControl({ type: 'syn_stream', flags: 0, streamId: id, associatedId: 0, priority: 0, slot: 0, headers }, this.deflate));
    return s;
  }

  ping(): Promise<void> {
    const id = this.nextPing;
    this.nextPing += 2;
    const p = new Promise<void>((r) => this.pings.set(id, r));
    this.send(encodeControl({ type: 'ping', flags: 0, id }, this.deflate));
    return p;
  }

  close(): void {
    this.socket.end();
  }

  private onControl(f: ControlFrame): void {
    this.frames.push(f);
    this.emit('frame', f);
    switch (f.type) {
      case 'syn_reply': this.replies.get(f.streamId)?.(true); this.replies.delete(f.streamId); break;
      case 'rst_stream':
        this.streams.get(f.streamId)?.close(f.status);
        this.replies.get(f.streamId)?.(false);
        this.replies.delete(f.streamId);
        break;
      case 'ping': this.pings.get(f.id)?.(); this.pings.delete(f.id); break;
      default: break;
    }
  }
}

export function isRefused(x: SpdyTestClient | UpgradeRefused): x is UpgradeRefused {
  return !(x instanceof SpdyTestClient);
}

/** The streams of one remote command (exec or attach) session, as client-go opens them. */
export interface RemoteCommandStreams {
  c: SpdyTestClient;
  error: ClientStream;
  stdin?: ClientStream;
  stdout?: ClientStream;
  stderr?: ClientStream;
  resize?: ClientStream;
}

/**
 * Upgrades `url` offering `protocols` and opens the streams as client-go's streamProtocolV4 does: error first, then
 * stdin, stdout, stderr (none with a TTY) and resize (TTY on v3 and later). A refused upgrade throws.
 */
export async function openRemoteCommand(
  url: string, f: { stdin?: boolean; stdout?: boolean; stderr?: boolean; tty?: boolean }, protocols = [V4],
): Promise<RemoteCommandStreams> {
  const c = await SpdyTestClient.connect(url, protocols);
  if (isRefused(c)) throw new Error(`upgrade refused: ${c.status} ${c.body}`);
  const error = await c.open({ streamtype: ['error'] });
  const stdin = f.stdin ? await c.open({ streamtype: ['stdin'] }) : undefined;
  const stdout = f.stdout ? await c.open({ streamtype: ['stdout'] }) : undefined;
  const stderr = f.stderr && !f.tty ? await c.open({ streamtype: ['stderr'] }) : undefined;
  const resize = f.tty && c.protocol !== V1 && c.protocol !== V2 ? await c.open({ streamtype: ['resize'] }) : undefined;
  return { c, error, stdin, stdout, stderr, resize };
}

/**
 * Attaches to the session at `url` (stdin, stdout, stderr), writes `line` to the container's stdin and waits until
 * its stdout shows it (a container that echoes its input); then closes the connection. Returns the stdout stream
 * (its text: everything the attachment saw).
 */
export async function attachAndEcho(url: string, line: string): Promise<ClientStream> {
  const { c, stdin, stdout } = await openRemoteCommand(url, { stdin: true, stdout: true, stderr: true });
  const seen = new Promise<void>((resolve) => stdout!.on('data', () => { if (stdout!.text().includes(line)) resolve(); }));
  stdin!.write(`${line}\n`);
  await seen;
  c.close();
  await c.closed;
  return stdout!;
}
