/**
 * The rtnetlink requests of the emulator's per-pod networking (what the `ip` lines of ./linuxnet.ts asked for),
 * as bytes built with ./netlink-msg.ts. Pure; every request asks for an ACK. `seq` numbers the request on its socket.
 */
import {
  RTM, NLM_F, IFLA, IFLA_INFO_KIND, IFLA_INFO_DATA, VETH_INFO_PEER, IFA, RTA, IFF_UP, RT_SCOPE, RTNH_F_ONLINK,
  attr, strAttr, u32Attr, ip4, message, ifinfo, ifaddr, rtmsg,
} from './netlink-msg.js';

const REQ = NLM_F.REQUEST | NLM_F.ACK;

/** `link set NAME [up] [alias ALIAS]` (no change to the flags when `up` is false). */
export function setLink(seq: number, name: string, o: { up?: boolean; alias?: string }): Buffer {
  const attrs = [strAttr(IFLA.IFNAME, name)];
  if (o.alias !== undefined) attrs.push(strAttr(IFLA.IFALIAS, o.alias));
  return message(RTM.NEWLINK, REQ, seq, ifinfo(o.up ? { flags: IFF_UP, change: IFF_UP } : {}), attrs);
}

/**
 * `link add HOST up master MASTER type veth peer name PEER netns NSFD [address MAC]`: MASTER is the bridge's
 * interface index; the peer is made directly in the namespace the fd refers to.
 */
export function newVeth(seq: number, v: { host: string; master: number; peer: string; nsFd: number; peerMac?: Buffer }): Buffer {
  const peerAttrs = [strAttr(IFLA.IFNAME, v.peer), u32Attr(IFLA.NET_NS_FD, v.nsFd)];
  if (v.peerMac) peerAttrs.push(attr(IFLA.ADDRESS, v.peerMac));
  const linkinfo = attr(IFLA.LINKINFO, [
    strAttr(IFLA_INFO_KIND, 'veth'),
    attr(IFLA_INFO_DATA, [attr(VETH_INFO_PEER, [ifinfo(), ...peerAttrs])]),
  ]);
  return message(RTM.NEWLINK, REQ | NLM_F.CREATE | NLM_F.EXCL, seq, ifinfo({ flags: IFF_UP, change: IFF_UP }), [
    strAttr(IFLA.IFNAME, v.host), u32Attr(IFLA.MASTER, v.master), linkinfo,
  ]);
}

/** `link del NAME`. */
export const delLink = (seq: number, name: string): Buffer => message(RTM.DELLINK, REQ, seq, ifinfo(), [strAttr(IFLA.IFNAME, name)]);

/** `link show NAME`: the answer is an RTM_NEWLINK carrying its index (netlink-msg.ts ifindexOf). */
export const getLink = (seq: number, name: string): Buffer => message(RTM.GETLINK, REQ, seq, ifinfo(), [strAttr(IFLA.IFNAME, name)]);

/** `addr add IP/PREFIX dev INDEX` (IPv4; `ip` sets local and address alike). */
export function newAddr(seq: number, index: number, ip: number, prefix: number): Buffer {
  return message(RTM.NEWADDR, REQ | NLM_F.CREATE | NLM_F.EXCL, seq, ifaddr(prefix, index), [attr(IFA.LOCAL, ip4(ip)), attr(IFA.ADDRESS, ip4(ip))]);
}

/**
 * `route replace DST dev INDEX` (scope link), or `route replace DST via GW dev INDEX onlink`; DST prefix 0 is the
 * default route (no RTA_DST).
 */
export function replaceRoute(seq: number, index: number, dst: { base: number; prefix: number }, via?: number): Buffer {
  const attrs: Buffer[] = [];
  if (dst.prefix > 0) attrs.push(attr(RTA.DST, ip4(dst.base)));
  if (via !== undefined) attrs.push(attr(RTA.GATEWAY, ip4(via)));
  attrs.push(u32Attr(RTA.OIF, index));
  const fixed = rtmsg({ dstLen: dst.prefix, scope: via !== undefined ? RT_SCOPE.UNIVERSE : RT_SCOPE.LINK, flags: via !== undefined ? RTNH_F_ONLINK : 0 });
  return message(RTM.NEWROUTE, REQ | NLM_F.CREATE | NLM_F.REPLACE, seq, fixed, attrs);
}
