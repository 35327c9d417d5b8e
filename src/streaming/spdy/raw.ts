/**
 * SPDY/3 frames on the wire, before any meaning is given to them: an 8-byte header then a payload of at most
 * 2^24-1 bytes. Control frames: C=1, version, type, flags, length. Data frames: C=0, stream ID, flags, length.
 * All integers big-endian.
 */
export const SPDY_VERSION = 3;
export const MAX_PAYLOAD = 0xffffff;

export const CONTROL = {
  SynStream: 1, SynReply: 2, RstStream: 3, Settings: 4, Noop: 5, Ping: 6, GoAway: 7, Headers: 8, WindowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes (SPDY/3 §2.4.2). */
export const RST = {
  ProtocolError: 1, InvalidStream: 2, RefusedStream: 3, UnsupportedVersion: 4, Cancel: 5, InternalError: 6,
  FlowControlError: 7, StreamInUse: 8, StreamAlreadyClosed: 9, FrameTooLarge: 11,
} as const;

/** GOAWAY status codes. */
export const GOAWAY = { Ok: 0, ProtocolError: 1, InternalError: 2 } as const;

export function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_PAYLOAD) throw new RangeError(`SPDY control frame payload of ${payload.length} bytes is too large`);
  const h = Buffer.allocUnsafe(8);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt32BE(((flags & 0xff) << 24 | payload.length) >>> 0, 4);
  return Buffer.concat([h, payload]);
}

/** The 8-byte header of a DATA frame whose payload of `length` bytes follows it on the wire. */
export function dataFrameHeader(streamId: number, flags: number, length: number): Buffer {
  if (length > MAX_PAYLOAD) throw new RangeError(`SPDY data frame payload of ${length} bytes is too large`);
  const h = Buffer.allocUnsafe(8);
  h.writeUInt32BE(streamId & 0x7fffffff, 0);
  h.writeUInt32BE(((flags & 0xff) << 24 | length) >>> 0, 4);
  return h;
}

export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const h = dataFrameHeader(streamId, flags, data.length);
  return data.length === 0 ? h : Buffer.concat([h, data]);
}
