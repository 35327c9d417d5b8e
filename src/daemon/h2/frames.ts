/** HTTP/2 framing facts (RFC 9113 §3.4, §4.1, §6.2, §6.10) and header-block frame building. */

/** The client connection preface. */
export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
export const FRAME_HEADER_LENGTH = 9;
/** SETTINGS_MAX_FRAME_SIZE's initial value: the largest frame a peer must accept whatever its SETTINGS said. */
export const DEFAULT_MAX_FRAME_SIZE = 16384;

export const FrameType = { DATA: 0x0, HEADERS: 0x1, PRIORITY: 0x2, RST_STREAM: 0x3, SETTINGS: 0x4, PUSH_PROMISE: 0x5, PING: 0x6, GOAWAY: 0x7, WINDOW_UPDATE: 0x8, CONTINUATION: 0x9 } as const;
export const Flags = { END_STREAM: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

export interface FrameHeader { length: number; type: number; flags: number; streamId: number }

export function readFrameHeader(b: Buffer): FrameHeader {
  return { length: b.readUIntBE(0, 3), type: b[3]!, flags: b[4]!, streamId: b.readUInt32BE(5) & 0x7fffffff };
}

export function frameHeader(h: FrameHeader): Buffer {
  const b = Buffer.allocUnsafe(FRAME_HEADER_LENGTH);
  b.writeUIntBE(h.length, 0, 3);
  b[3] = h.type;
  b[4] = h.flags;
  b.writeUInt32BE(h.streamId, 5);
  return b;
}

/**
 * A HEADERS frame carrying `block`, followed by as many CONTINUATION frames as needed so that no frame payload
 * exceeds `maxFrame`. `priority` (5 bytes) keeps the original HEADERS priority fields; no padding is emitted.
 */
export function headerFrames(streamId: number, block: Buffer, endStream: boolean, priority: Buffer | null, maxFrame = DEFAULT_MAX_FRAME_SIZE): Buffer[] {
  const out: Buffer[] = [];
  const firstRoom = maxFrame - (priority ? priority.length : 0);
  let pos = Math.min(firstRoom, block.length);
  const last = pos === block.length;
  const flags = (endStream ? Flags.END_STREAM : 0) | (last ? Flags.END_HEADERS : 0) | (priority ? Flags.PRIORITY : 0);
  out.push(frameHeader({ length: pos + (priority ? priority.length : 0), type: FrameType.HEADERS, flags, streamId }));
  if (priority) out.push(priority);
  out.push(block.subarray(0, pos));
  while (pos < block.length) {
    const n = Math.min(maxFrame, block.length - pos);
    const end = pos + n === block.length;
    out.push(frameHeader({ length: n, type: FrameType.CONTINUATION, flags: end ? Flags.END_HEADERS : 0, streamId }));
    out.push(block.subarray(pos, pos + n));
    pos += n;
  }
  return out;
}
