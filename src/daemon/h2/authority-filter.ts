/**
 * Client→server HTTP/2 byte filter that makes `:authority` (and `host`) acceptable to nghttp2.
 *
 * Why: a client that dials a bare socket or pipe path (`/var/run/wincri/wincri.sock`, `//./pipe/wincri`), as
 * kubelet's CRI client does, sends that path as `:authority` when it is built on grpc-go before 1.57.0 or on
 * grpc-java. nghttp2 (inside Node's http2) only accepts RFC 3986 authority characters there and resets such a stream
 * with PROTOCOL_ERROR before grpc-js sees it; Node has no option to relax that check. So the bytes are fixed before
 * they reach nghttp2: this filter parses the preface and the frame sequence, passes every frame other than
 * HEADERS/CONTINUATION through untouched (as slices of the input, no copy), and decodes every header block with its
 * own HPACK decoder.
 *
 * Which clients: grpc-go 1.57.0 percent-encodes that default authority (grpc/grpc-go#6428:
 * `%2Fvar%2Frun%2Fwincri%2Fwincri.sock`, which nghttp2 accepts); grpc-go sends `localhost` only for `unix:` targets
 * (since 1.31.0, grpc/grpc-go#3730), which kubelet does not dial. Kubelet ≤ 1.28 builds with grpc-go ≤ 1.56 (1.28.7:
 * 1.56.3), 1.29 and 1.30 with 1.58.3 (k8s.io/cri-api's go.mod at those tags), and from 1.31.0 its CRI client sets
 * `localhost` itself (kubernetes/kubernetes#123463: in k8s.io/cri-client at kubernetes-1.31.0, not in 1.30.0's
 * client). So of the kubelets only those ≤ 1.28 need this filter.
 *
 * HPACK state: the client's encoder assumes the server's decoder table mirrors its own. While no block has been
 * rewritten, blocks are forwarded byte for byte, so nghttp2's table and ours both mirror the client's. The first
 * block with a bad authority is re-encoded, and so is every block after it (sticky): we become the client
 * encoder's peer, and nghttp2 receives literals without indexing only — it never needs an entry it lacks (its
 * table is frozen as it was, never referenced again). Re-emitting the client's insertions with a changed value
 * instead would change entry sizes and so the eviction order, putting the two tables out of step.
 *
 * SETTINGS_HEADER_TABLE_SIZE sent by the client governs the other direction (the server's encoder) and passes
 * through; the size updates this decoder honours are the client's, capped at `tableLimit`.
 */
import { H2ProtocolError } from './errors.js';
import { FRAME_HEADER_LENGTH, Flags, FrameType, PREFACE, headerFrames, readFrameHeader, type FrameHeader } from './frames.js';
import { HpackDecoder, encodeLiterals, type HeaderField } from './hpack.js';

export const REPLACEMENT_AUTHORITY = 'localhost';
/** The PING frame's ACK flag. */
const PING_ACK = 0x1;
/** Largest header block buffered (all its HEADERS and CONTINUATION payloads together). */
export const MAX_HEADER_BLOCK = 1 << 20;

/** RFC 3986 authority characters (unreserved, sub-delims, ':', '@', '[', ']', '%'): what nghttp2 accepts. */
const AUTHORITY_OK = /^[A-Za-z0-9\-._~!$&'()*+,;=:@[\]%]*$/;

export function authorityValid(v: string): boolean { return AUTHORITY_OK.test(v); }

/** Appends `b`, merging it into the previous slice when both are adjacent views of one input chunk (no copy). */
function emit(out: Buffer[], b: Buffer): void {
  const prev = out[out.length - 1];
  if (prev && prev.buffer === b.buffer && prev.byteOffset + prev.length === b.byteOffset) {
    out[out.length - 1] = Buffer.from(b.buffer, prev.byteOffset, prev.length + b.length);
  } else {
    out.push(b);
  }
}

interface PendingBlock { streamId: number; endStream: boolean; priority: Buffer | null; raw: Buffer[]; fragments: Buffer[]; size: number }

export class AuthorityFilter {
  /** Header blocks re-encoded so far, and the first authority replaced. */
  rewrites = 0;
  originalAuthority: string | undefined;
  private readonly decoder: HpackDecoder;
  private rewriting = false;
  private prefaceSeen = 0;
  private header = Buffer.alloc(FRAME_HEADER_LENGTH);
  private headerSeen = 0;
  private frame: FrameHeader | null = null;
  /** Payload bytes of the current frame still to come. */
  private remaining = 0;
  private payload: Buffer[] = [];
  private block: PendingBlock | null = null;

  /** SETTINGS ACKs still to drop (the router's own SETTINGS is acknowledged to it, not to nghttp2). */
  private dropAcks: number;
  /** Answers a client PING (its 8 payload bytes) itself: true, the frame is dropped; false, it is passed on. */
  private readonly onPing: ((payload: Buffer) => boolean) | undefined;
  /** The current frame is a PING held back until its payload is complete (for onPing). */
  private holdingPing = false;

  constructor(opts: { tableLimit?: number; dropSettingsAcks?: number; onPing?: (payload: Buffer) => boolean } = {}) {
    this.decoder = new HpackDecoder(opts.tableLimit ?? 65536);
    this.dropAcks = opts.dropSettingsAcks ?? 0;
    this.onPing = opts.onPing;
  }

  /** Feeds client bytes; returns what to hand to the server. Throws H2ProtocolError on a malformed stream. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let off = 0;
    while (off < chunk.length) {
      if (this.prefaceSeen < PREFACE.length) {
        const n = Math.min(PREFACE.length - this.prefaceSeen, chunk.length - off);
        if (!chunk.subarray(off, off + n).equals(PREFACE.subarray(this.prefaceSeen, this.prefaceSeen + n))) throw new H2ProtocolError('bad client connection preface');
        emit(out, chunk.subarray(off, off + n));
        this.prefaceSeen += n;
        off += n;
      } else if (!this.frame) {
        let hdr: Buffer;
        if (this.headerSeen === 0 && chunk.length - off >= FRAME_HEADER_LENGTH) {
          hdr = chunk.subarray(off, off + FRAME_HEADER_LENGTH);
          off += FRAME_HEADER_LENGTH;
        } else {
          const n = chunk.copy(this.header, this.headerSeen, off, Math.min(chunk.length, off + FRAME_HEADER_LENGTH - this.headerSeen));
          this.headerSeen += n;
          off += n;
          if (this.headerSeen < FRAME_HEADER_LENGTH) break;
          hdr = this.header;
          this.header = Buffer.alloc(FRAME_HEADER_LENGTH);
          this.headerSeen = 0;
        }
        this.startFrame(hdr, out);
      } else if (this.holdingPing || this.isHeaderFrame(this.frame)) {
        const n = Math.min(this.remaining, chunk.length - off);
        this.payload.push(chunk.subarray(off, off + n));
        this.remaining -= n;
        off += n;
        if (this.remaining === 0) {
          if (this.holdingPing) this.endPing(out); else this.endHeaderFrame(out);
        }
      } else {
        const n = Math.min(this.remaining, chunk.length - off);
        emit(out, chunk.subarray(off, off + n));
        this.remaining -= n;
        off += n;
        if (this.remaining === 0) this.frame = null;
      }
    }
    return out;
  }

  private isHeaderFrame(f: FrameHeader): boolean { return f.type === FrameType.HEADERS || f.type === FrameType.CONTINUATION; }

  private startFrame(hdr: Buffer, out: Buffer[]): void {
    const f = readFrameHeader(hdr);
    if (this.block && (f.type !== FrameType.CONTINUATION || f.streamId !== this.block.streamId)) throw new H2ProtocolError('header block interrupted before END_HEADERS');
    if (!this.block && f.type === FrameType.CONTINUATION) throw new H2ProtocolError('CONTINUATION without a header block');
    this.frame = f;
    this.remaining = f.length;
    if (this.isHeaderFrame(f)) {
      if ((this.block?.size ?? 0) + f.length > MAX_HEADER_BLOCK) throw new H2ProtocolError('header block too large');
      this.payload = [hdr];
      if (f.length === 0) this.endHeaderFrame(out);
    } else if (this.onPing && f.type === FrameType.PING && !(f.flags & PING_ACK) && f.length === 8 && f.streamId === 0) {
      this.holdingPing = true;
      this.payload = [hdr];
    } else if (this.dropAcks > 0 && f.type === FrameType.SETTINGS && f.flags & 0x1 && f.length === 0) {
      this.dropAcks--;
      this.frame = null;
    } else {
      emit(out, hdr);
      if (f.length === 0) this.frame = null;
    }
  }

  /** A complete well-formed client PING: answered by onPing, or passed on as it came. */
  private endPing(out: Buffer[]): void {
    const raw = Buffer.concat(this.payload); // the frame header, then the 8 payload bytes (one slice or more)
    this.payload = [];
    this.frame = null;
    this.holdingPing = false;
    if (!this.onPing!(raw.subarray(FRAME_HEADER_LENGTH))) out.push(raw);
  }

  private endHeaderFrame(out: Buffer[]): void {
    const f = this.frame!;
    const raw = Buffer.concat(this.payload);
    this.payload = [];
    this.frame = null;
    const body = raw.subarray(FRAME_HEADER_LENGTH);
    if (f.type === FrameType.HEADERS) {
      let start = 0;
      let pad = 0;
      if (f.flags & Flags.PADDED) {
        if (body.length < 1) throw new H2ProtocolError('PADDED HEADERS frame without a pad length');
        pad = body[0]!;
        start = 1;
      }
      const priority = f.flags & Flags.PRIORITY ? body.subarray(start, start + 5) : null;
      if (priority) start += 5;
      if (start + pad > body.length) throw new H2ProtocolError('HEADERS padding exceeds the frame');
      this.block = { streamId: f.streamId, endStream: (f.flags & Flags.END_STREAM) !== 0, priority, raw: [], fragments: [], size: 0 };
      this.block.fragments.push(body.subarray(start, body.length - pad));
    } else {
      this.block!.fragments.push(body);
    }
    this.block!.raw.push(raw);
    this.block!.size += body.length;
    if (f.flags & Flags.END_HEADERS) {
      const b = this.block!;
      this.block = null;
      this.endBlock(b, out);
    }
  }

  private endBlock(b: PendingBlock, out: Buffer[]): void {
    const fields = this.decoder.decode(b.fragments.length === 1 ? b.fragments[0]! : Buffer.concat(b.fragments));
    let bad = false;
    for (const h of fields) {
      if ((h.name === ':authority' || h.name === 'host') && !authorityValid(h.value)) {
        this.originalAuthority ??= h.value;
        bad = true;
      }
    }
    if (!bad && !this.rewriting) {
      out.push(...b.raw);
      return;
    }
    this.rewriting = true;
    this.rewrites++;
    const fixed: HeaderField[] = fields.map((h) =>
      (h.name === ':authority' || h.name === 'host') && !authorityValid(h.value) ? { ...h, value: REPLACEMENT_AUTHORITY } : h);
    out.push(...headerFrames(b.streamId, encodeLiterals(fixed), b.endStream, b.priority));
  }
}
