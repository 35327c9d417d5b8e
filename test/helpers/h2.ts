/** HTTP/2 frame building and parsing for tests that speak raw HTTP/2 (hand-built header blocks, gRPC messages). */
import { FrameType, frameHeader } from '../../src/daemon/h2/frames.js';

export interface Frame { type: number; flags: number; streamId: number; payload: Buffer }

export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([frameHeader({ length: payload.length, type, flags, streamId }), payload]);
}

export const settingsFrame = (entries: [number, number][] = [], ack = false): Buffer => {
  const p = Buffer.alloc(6 * entries.length);
  entries.forEach(([id, v], i) => { p.writeUInt16BE(id, 6 * i); p.writeUInt32BE(v, 6 * i + 2); });
  return frame(FrameType.SETTINGS, ack ? 1 : 0, 0, p);
};

/**
 * The `:authority` grpc-go 1.57.0 and later sends for a bare dial target such as a socket path: the target with
 * every character outside RFC 3986's unreserved, sub-delims and `:[]@` percent-encoded (grpc/grpc-go#6428).
 */
export const grpcGoEncodedAuthority = (target: string): string =>
  target.replace(/[^A-Za-z0-9\-_.~!$&'()*+,;=:[\]@]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);

export const windowUpdate = (streamId: number, n: number): Buffer => {
  const p = Buffer.alloc(4);
  p.writeUInt32BE(n);
  return frame(FrameType.WINDOW_UPDATE, 0, streamId, p);
};

/** A gRPC length-prefixed message (uncompressed). */
export function grpcMessage(body: Buffer): Buffer {
  const p = Buffer.alloc(5);
  p.writeUInt32BE(body.length, 1);
  return Buffer.concat([p, body]);
}

/** Splits complete frames off `buf`; returns them and the unconsumed rest. */
export function parseFrames(buf: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let off = 0;
  while (buf.length - off >= 9) {
    const len = buf.readUIntBE(off, 3);
    if (buf.length - off < 9 + len) break;
    frames.push({ type: buf[off + 3]!, flags: buf[off + 4]!, streamId: buf.readUInt32BE(off + 5) & 0x7fffffff, payload: buf.subarray(off + 9, off + 9 + len) });
    off += 9 + len;
  }
  return { frames, rest: buf.subarray(off) };
}
