/**
 * Typed SPDY/3 control frames and their encoding/decoding. Header-bearing frames (SYN_STREAM, SYN_REPLY, HEADERS)
 * pass through the connection's compression contexts, so they must be encoded/decoded in wire order.
 */
import { CONTROL, controlFrame } from './raw.js';
import { SpdyProtocolError } from './parser.js';
import { decodeHeaderBlock, encodeHeaderBlock, type SpdyHeaders } from './header-block.js';
import type { HeaderCompressor, HeaderDecompressor } from './zlib-context.js';

export type ControlFrame =
  | { type: 'syn_stream'; flags: number; streamId: number; associatedId: number; priority: number; slot: number; headers: SpdyHeaders }
  | { type: 'syn_reply'; flags: number; streamId: number; headers: SpdyHeaders }
  | { type: 'rst_stream'; flags: number; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: { flags: number; id: number; value: number }[] }
  | { type: 'ping'; flags: number; id: number }
  | { type: 'goaway'; flags: number; lastGoodStreamId: number; status: number }
  | { type: 'headers'; flags: number; streamId: number; headers: SpdyHeaders }
  | { type: 'window_update'; flags: number; streamId: number; delta: number }
  | { type: 'unknown'; flags: number; code: number };

const u32 = (...ns: number[]): Buffer => {
  const b = Buffer.allocUnsafe(4 * ns.length);
  ns.forEach((n, i) => b.writeUInt32BE(n >>> 0, 4 * i));
  return b;
};
const id31 = (n: number): number => n & 0x7fffffff;

export function encodeControl(f: ControlFrame, zc: HeaderCompressor): Buffer {
  switch (f.type) {
    case 'syn_stream': {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(id31(f.streamId), 0);
      fixed.writeUInt32BE(id31(f.associatedId), 4);
      fixed[8] = (f.priority & 0x7) << 5;
      fixed[9] = f.slot & 0xff;
      return controlFrame(CONTROL.SynStream, f.flags, Buffer.concat([fixed, zc.compress(encodeHeaderBlock(f.headers))]));
    }
    case 'syn_reply':
      return controlFrame(CONTROL.SynReply, f.flags, Buffer.concat([u32(id31(f.streamId)), zc.compress(encodeHeaderBlock(f.headers))]));
    case 'headers':
      return controlFrame(CONTROL.Headers, f.flags, Buffer.concat([u32(id31(f.streamId)), zc.compress(encodeHeaderBlock(f.headers))]));
    case 'rst_stream':
      return controlFrame(CONTROL.RstStream, f.flags, u32(id31(f.streamId), f.status));
    case 'settings':
      return controlFrame(CONTROL.Settings, f.flags, u32(f.entries.length, ...f.entries.flatMap((e) => [(e.flags & 0xff) << 24 | (e.id & 0xffffff), e.value])));
    case 'ping':
      return controlFrame(CONTROL.Ping, f.flags, u32(f.id));
    case 'goaway':
      return controlFrame(CONTROL.GoAway, f.flags, u32(id31(f.lastGoodStreamId), f.status));
    case 'window_update':
      return controlFrame(CONTROL.WindowUpdate, f.flags, u32(id31(f.streamId), id31(f.delta)));
    case 'unknown':
      throw new RangeError(`cannot encode unknown control frame type ${f.code}`);
  }
}

export function decodeControl(type: number, flags: number, p: Buffer, zd: HeaderDecompressor): ControlFrame {
  const atLeast = (n: number, what: string): void => {
    if (p.length < n) throw new SpdyProtocolError(`${what} frame too short (${p.length} bytes)`);
  };
  const exactly = (n: number, what: string): void => {
    if (p.length !== n) throw new SpdyProtocolError(`${what} frame must be ${n} bytes, got ${p.length}`);
  };
  const headers = (from: number): SpdyHeaders => decodeHeaderBlock(zd.decompress(p.subarray(from)));
  switch (type) {
    case CONTROL.SynStream:
      atLeast(10, 'SYN_STREAM');
      return { type: 'syn_stream', flags, streamId: id31(p.readUInt32BE(0)), associatedId: id31(p.readUInt32BE(4)), priority: p[8]! >> 5, slot: p[9]!, headers: headers(10) };
    case CONTROL.SynReply:
      atLeast(4, 'SYN_REPLY');
      return { type: 'syn_reply', flags, streamId: id31(p.readUInt32BE(0)), headers: headers(4) };
    case CONTROL.Headers:
      atLeast(4, 'HEADERS');
      return { type: 'headers', flags, streamId: id31(p.readUInt32BE(0)), headers: headers(4) };
    case CONTROL.RstStream:
      exactly(8, 'RST_STREAM');
      return { type: 'rst_stream', flags, streamId: id31(p.readUInt32BE(0)), status: p.readUInt32BE(4) };
    case CONTROL.Settings: {
      atLeast(4, 'SETTINGS');
      const n = p.readUInt32BE(0);
      exactly(4 + 8 * n, 'SETTINGS');
      const entries = [];
      for (let i = 0; i < n; i++) {
        const w = p.readUInt32BE(4 + 8 * i);
        entries.push({ flags: w >>> 24, id: w & 0xffffff, value: p.readUInt32BE(8 + 8 * i) });
      }
      return { type: 'settings', flags, entries };
    }
    case CONTROL.Ping:
      exactly(4, 'PING');
      return { type: 'ping', flags, id: p.readUInt32BE(0) };
    case CONTROL.GoAway:
      atLeast(4, 'GOAWAY'); // SPDY/2 peers send no status
      return { type: 'goaway', flags, lastGoodStreamId: id31(p.readUInt32BE(0)), status: p.length >= 8 ? p.readUInt32BE(4) : 0 };
    case CONTROL.WindowUpdate:
      exactly(8, 'WINDOW_UPDATE');
      return { type: 'window_update', flags, streamId: id31(p.readUInt32BE(0)), delta: id31(p.readUInt32BE(4)) };
    default:
      return { type: 'unknown', flags, code: type };
  }
}
