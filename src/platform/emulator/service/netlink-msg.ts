/**
 * rtnetlink messages as bytes (pure: no socket here; ./netlink-socket.ts sends them). Little-endian, as on every
 * host the emulator runs on; headers and attributes aligned to 4 bytes (NLMSG_ALIGN / RTA_ALIGN).
 *   nlmsghdr   len u32, type u16, flags u16, seq u32, pid u32                        (16 bytes)
 *   ifinfomsg  family u8, pad u8, type u16, index i32, flags u32, change u32          (16 bytes)
 *   ifaddrmsg  family u8, prefixlen u8, flags u8, scope u8, index u32                  (8 bytes)
 *   rtmsg      family, dst_len, src_len, tos, table, protocol, scope, type u8; flags u32 (12 bytes)
 *   rtattr     len u16, type u16, payload                                              (4 + payload)
 */

export const RTM = { NEWLINK: 16, DELLINK: 17, GETLINK: 18, NEWADDR: 20, NEWROUTE: 24 } as const;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLM_F = { REQUEST: 0x1, ACK: 0x4, REPLACE: 0x100, EXCL: 0x200, CREATE: 0x400, ACK_TLVS: 0x200 } as const;
export const IFLA = { ADDRESS: 1, IFNAME: 3, MASTER: 10, LINKINFO: 18, NET_NS_FD: 28, IFALIAS: 20 } as const;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const VETH_INFO_PEER = 1;
export const IFA = { ADDRESS: 1, LOCAL: 2 } as const;
export const RTA = { DST: 1, OIF: 4, GATEWAY: 5 } as const;
export const NLMSGERR_ATTR_MSG = 1;
export const IFF_UP = 0x1;
const AF_INET = 2;
const AF_UNSPEC = 0;

export const align4 = (n: number): number => (n + 3) & ~3;

/** One attribute; `payload` a Buffer, or a list of nested attributes (their bytes concatenated). */
export function attr(type: number, payload: Buffer | Buffer[]): Buffer {
  const body = Array.isArray(payload) ? Buffer.concat(payload) : payload;
  const out = Buffer.alloc(align4(4 + body.length));
  out.writeUInt16LE(4 + body.length, 0);
  out.writeUInt16LE(type, 2);
  body.copy(out, 4);
  return out;
}
export const strAttr = (type: number, s: string): Buffer => attr(type, Buffer.from(`${s}\0`, 'utf8'));
export function u32Attr(type: number, n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return attr(type, b);
}
/** An IPv4 address in network byte order (4 bytes), from its number (./linuxnet-addr.ts ipToNumber). */
export function ip4(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}
/** "00-15-5d-12-34-56" or with colons → 6 bytes; undefined when it is not a MAC. */
export function macBytes(mac: string): Buffer | undefined {
  const parts = mac.split(/[-:]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) return undefined;
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

/** A whole message: header (length filled in), fixed part, attributes. */
export function message(type: number, flags: number, seq: number, fixed: Buffer, attrs: Buffer[] = []): Buffer {
  const body = Buffer.concat([fixed, ...attrs]);
  const out = Buffer.alloc(16 + body.length);
  out.writeUInt32LE(out.length, 0);
  out.writeUInt16LE(type, 4);
  out.writeUInt16LE(flags, 6);
  out.writeUInt32LE(seq >>> 0, 8);
  out.writeUInt32LE(0, 12);
  body.copy(out, 16);
  return out;
}

export function ifinfo(o: { index?: number; flags?: number; change?: number } = {}): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(AF_UNSPEC, 0);
  b.writeInt32LE(o.index ?? 0, 4);
  b.writeUInt32LE((o.flags ?? 0) >>> 0, 8);
  b.writeUInt32LE((o.change ?? 0) >>> 0, 12);
  return b;
}
export function ifaddr(prefix: number, index: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(AF_INET, 0);
  b.writeUInt8(prefix, 1);
  b.writeUInt32LE(index >>> 0, 4);
  return b;
}
export const RT_TABLE_MAIN = 254;
export const RTPROT_BOOT = 3;
export const RT_SCOPE = { UNIVERSE: 0, LINK: 253 } as const;
export const RTN_UNICAST = 1;
export const RTNH_F_ONLINK = 4;
export function rtmsg(o: { dstLen: number; scope: number; flags: number }): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt8(AF_INET, 0);
  b.writeUInt8(o.dstLen, 1);
  b.writeUInt8(RT_TABLE_MAIN, 4);
  b.writeUInt8(RTPROT_BOOT, 5);
  b.writeUInt8(o.scope, 6);
  b.writeUInt8(RTN_UNICAST, 7);
  b.writeUInt32LE(o.flags >>> 0, 8);
  return b;
}

export interface Parsed { type: number; flags: number; seq: number; body: Buffer }

/** The messages in one datagram (a truncated tail is dropped). */
export function parseMessages(buf: Buffer): Parsed[] {
  const out: Parsed[] = [];
  let off = 0;
  while (off + 16 <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < 16 || off + len > buf.length) break;
    out.push({ type: buf.readUInt16LE(off + 4), flags: buf.readUInt16LE(off + 6), seq: buf.readUInt32LE(off + 8), body: buf.subarray(off + 16, off + len) });
    off += align4(len);
  }
  return out;
}

/** Attributes of a run of rtattrs: type (nested flag bits cleared) → payload; the first of a type wins. */
export function parseAttrs(buf: Buffer): Map<number, Buffer> {
  const m = new Map<number, Buffer>();
  let off = 0;
  while (off + 4 <= buf.length) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > buf.length) break;
    const type = buf.readUInt16LE(off + 2) & 0x3fff;
    if (!m.has(type)) m.set(type, buf.subarray(off + 4, off + len));
    off += align4(len);
  }
  return m;
}

/**
 * An NLMSG_ERROR body: errno (positive; 0 = the ACK of a success) and the kernel's extended-ack text when it
 * sent one. The socket asks for capped acks (./netlink-socket.ts): only the request's header is echoed.
 */
export function parseError(m: Parsed): { errno: number; text?: string } {
  if (m.body.length < 4) return { errno: 5 /* EIO */ };
  const errno = -m.body.readInt32LE(0) || 0; // never -0
  if (!(m.flags & NLM_F.ACK_TLVS)) return { errno };
  const echoed = m.body.length >= 20 ? m.body.readUInt32LE(4) : 16;
  const capped = (m.flags & 0x100) !== 0; // NLM_F_CAPPED
  const tlvs = m.body.subarray(4 + align4(capped ? 16 : echoed));
  const msg = parseAttrs(tlvs).get(NLMSGERR_ATTR_MSG);
  const text = msg ? msg.toString('utf8').replace(/\0.*$/s, '') : undefined;
  return text ? { errno, text } : { errno };
}

/** The interface index of an RTM_NEWLINK answer (RTM_GETLINK's reply). */
export const ifindexOf = (m: Parsed): number => m.body.readInt32LE(4);
