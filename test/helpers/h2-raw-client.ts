/**
 * A minimal HTTP/2 client over any socket for tests that must control the exact bytes of request header blocks
 * (HPACK representations, Huffman, CONTINUATION splits, padding). It acknowledges SETTINGS and PING, returns
 * connection flow-control credit, and collects each stream's response headers, DATA and trailers.
 */
import type net from 'node:net';
import { FrameType, Flags, PREFACE } from '../../src/daemon/h2/frames.js';
import { HpackDecoder } from '../../src/daemon/h2/hpack.js';
import { frame, grpcMessage, parseFrames, settingsFrame, windowUpdate } from './h2.js';

export interface RawResponse { headers: Map<string, string>; data: Buffer; trailers: Map<string, string> }

export class RawH2Client {
  private buf = Buffer.alloc(0);
  private readonly decoder = new HpackDecoder();
  private nextStream = 1;
  private readonly calls = new Map<number, { res: RawResponse; gotHeaders: boolean; ok: (r: RawResponse) => void; fail: (e: Error) => void; data: Buffer[] }>();
  private pendingBlock: Buffer[] = [];
  private pendingEndStream = false;
  closed: Error | null = null;
  /** Resolves when the server's first SETTINGS frame has arrived (grpc-go waits for it before any request). */
  readonly serverSettings: Promise<void>;
  private gotSettings!: () => void;
  private settingsCount = 0;

  /** `ackDelayMs`: acknowledge the server's first SETTINGS only after this long (a slow client). */
  constructor(private readonly sock: net.Socket, private readonly opts: { ackDelayMs?: number } = {}) {
    this.serverSettings = new Promise((r) => { this.gotSettings = r; });
    sock.write(Buffer.concat([PREFACE, settingsFrame()]));
    sock.on('data', (c: Buffer) => this.onData(c));
    sock.on('error', (e) => this.failAll(e));
    sock.on('close', () => this.failAll(new Error('connection closed')));
  }

  /** Sends one request: `block` is the encoded header block, cut into HEADERS + CONTINUATION at `cuts`; `body` is sent as one gRPC message. */
  call(block: Buffer, body: Buffer, opts: { cuts?: number[]; pad?: number } = {}): Promise<RawResponse> {
    const id = this.nextStream;
    this.nextStream += 2;
    const cuts = [0, ...(opts.cuts ?? []), block.length];
    const frames: Buffer[] = [];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const frag = block.subarray(cuts[i], cuts[i + 1]);
      const end = i + 2 === cuts.length ? Flags.END_HEADERS : 0;
      if (i > 0) { frames.push(frame(FrameType.CONTINUATION, end, id, frag)); continue; }
      const pad = opts.pad;
      frames.push(pad === undefined ? frame(FrameType.HEADERS, end, id, frag)
        : frame(FrameType.HEADERS, end | Flags.PADDED, id, Buffer.concat([Buffer.from([pad]), frag, Buffer.alloc(pad)])));
    }
    frames.push(frame(FrameType.DATA, Flags.END_STREAM, id, grpcMessage(body)));
    return new Promise((ok, fail) => {
      if (this.closed) { fail(this.closed); return; }
      this.calls.set(id, { res: { headers: new Map(), data: Buffer.alloc(0), trailers: new Map() }, gotHeaders: false, ok, fail, data: [] });
      this.sock.write(Buffer.concat(frames));
    });
  }

  close(): void { this.sock.destroy(); }

  private failAll(e: Error): void {
    this.closed ??= e;
    for (const c of this.calls.values()) c.fail(e);
    this.calls.clear();
  }

  private onData(chunk: Buffer): void {
    const { frames, rest } = parseFrames(Buffer.concat([this.buf, chunk]));
    this.buf = Buffer.from(rest);
    for (const f of frames) {
      const call = this.calls.get(f.streamId);
      if (f.type === FrameType.SETTINGS && !(f.flags & 1)) {
        this.gotSettings();
        const delay = this.settingsCount++ === 0 ? this.opts.ackDelayMs ?? 0 : 0;
        if (delay > 0) setTimeout(() => { if (!this.sock.destroyed) this.sock.write(settingsFrame([], true)); }, delay);
        else this.sock.write(settingsFrame([], true));
      }
      else if (f.type === FrameType.PING && !(f.flags & 1)) this.sock.write(frame(FrameType.PING, 1, 0, f.payload));
      else if (f.type === FrameType.GOAWAY) this.failAll(new Error(`GOAWAY code ${f.payload.readUInt32BE(4)}`));
      else if (f.type === FrameType.RST_STREAM && call) { this.calls.delete(f.streamId); call.fail(new Error(`RST_STREAM code ${f.payload.readUInt32BE(0)}`)); }
      else if (f.type === FrameType.DATA && call) {
        call.data.push(f.payload);
        if (f.payload.length > 0) this.sock.write(windowUpdate(0, f.payload.length));
        if (f.flags & Flags.END_STREAM) this.finish(f.streamId);
      } else if (f.type === FrameType.HEADERS || f.type === FrameType.CONTINUATION) {
        if (f.type === FrameType.HEADERS) { this.pendingBlock = []; this.pendingEndStream = (f.flags & Flags.END_STREAM) !== 0; }
        this.pendingBlock.push(f.payload); // servers here send neither padding nor priority
        if (!(f.flags & Flags.END_HEADERS)) continue;
        const fields = this.decoder.decode(Buffer.concat(this.pendingBlock));
        if (call) {
          const target = call.gotHeaders ? call.res.trailers : call.res.headers;
          for (const h of fields) target.set(h.name, h.value);
          call.gotHeaders = true;
        }
        if (this.pendingEndStream) this.finish(f.streamId);
      }
    }
  }

  private finish(id: number): void {
    const call = this.calls.get(id);
    if (!call) return;
    this.calls.delete(id);
    call.res.data = Buffer.concat(call.data);
    call.ok(call.res);
  }
}
