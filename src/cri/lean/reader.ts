/**
 * The gRPC messages of a unary request, taken from its DATA chunks as they arrive: each is a 5-byte prefix (a
 * compressed flag, a 4-byte big-endian length) and the body. Kept: the first body and how many complete messages
 * came; bytes of an incomplete message wait for the next chunk (copied into one buffer only once it is complete).
 */
export class UnaryReader {
  /** Complete messages so far. */
  count = 0;
  /** The first message's body (prefix removed). */
  first: Buffer | undefined;
  private parts: Buffer[] = [];
  private have = 0;
  private need = -1;

  /** `max`: the largest body accepted (-1: any), grpc.max_receive_message_length. */
  constructor(private readonly max: number) {}

  /** Takes a chunk; throws grpc-js's message when a body is larger than `max` (answered RESOURCE_EXHAUSTED). */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.parts.push(chunk);
    this.have += chunk.length;
    while (this.have >= 5) {
      if (this.need < 0) {
        const head = this.parts[0]!.length >= 5 ? this.parts[0]! : Buffer.concat(this.parts, 5);
        const n = head.readUInt32BE(1);
        if (this.max !== -1 && n > this.max) throw new Error(`Received message larger than max (${n} vs ${this.max})`);
        this.need = 5 + n;
      }
      if (this.have < this.need) return;
      const all = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.have);
      if (this.count++ === 0) this.first = all.subarray(5, this.need);
      const rest = all.subarray(this.need);
      this.parts = rest.length ? [rest] : [];
      this.have = rest.length;
      this.need = -1;
    }
  }
}
