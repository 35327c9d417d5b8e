/**
 * Framing of an attach connection to the IO keeper. A connection becomes an attach connection with one JSON-line
 * request `{"id":n,"method":"attach","params":AttachParams}`; after the keeper's JSON-line response
 * `{"id":n,"result":AttachResult}` both directions carry frames:
 *
 *   [type: 1 byte][length: uint32 big-endian][payload: length bytes]
 *
 *   client → keeper   STDIN (bytes), STDIN_EOF (empty), RESIZE (JSON {"width","height"})
 *   keeper → client   STDOUT / STDERR (bytes), EXIT (JSON {"exitCode"}: the container exited, after its last
 *                     output), DETACHED (empty: the attachment ended normally, e.g. its stdin closed without
 *                     stdin_once), CLOSED (UTF-8 reason: the keeper ended the attachment, e.g. the client read
 *                     too slowly)
 *
 * Closing the connection detaches; it never affects the container.
 */
export const FRAME = { STDIN: 0, STDOUT: 1, STDERR: 2, EXIT: 3, CLOSED: 4, STDIN_EOF: 5, RESIZE: 6, DETACHED: 7 } as const;
export type FrameType = (typeof FRAME)[keyof typeof FRAME];

const HEADER = 5;
/** Largest frame accepted (a resize or a stdin chunk); bigger ones are a protocol error. */
export const MAX_FRAME = 1024 * 1024;

export function encodeFrame(type: FrameType, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const head = Buffer.alloc(HEADER);
  head[0] = type;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Incremental decoder: push bytes, get whole frames through the callback; throws on an oversized frame. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly onFrame: (type: number, payload: Buffer) => void, private readonly max = MAX_FRAME) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= HEADER) {
      const len = this.buf.readUInt32BE(1);
      if (len > this.max) throw new Error(`attach frame of ${len} bytes exceeds ${this.max}`);
      if (this.buf.length < HEADER + len) return;
      const type = this.buf[0]!;
      const payload = this.buf.subarray(HEADER, HEADER + len);
      this.buf = this.buf.subarray(HEADER + len);
      this.onFrame(type, payload);
    }
  }
}
