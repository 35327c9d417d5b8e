/** rtnetlink bytes (netlink-msg.ts, netlink-requests.ts): headers, aligned attributes, nested veth peer, acks. Pure. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  attr, strAttr, message, parseMessages, parseAttrs, parseError, ifindexOf, macBytes, align4,
  RTM, NLM_F, IFLA, IFLA_INFO_KIND, IFLA_INFO_DATA, VETH_INFO_PEER, IFA, RTA, IFF_UP, NLMSG_ERROR, NLMSGERR_ATTR_MSG, RTNH_F_ONLINK, RT_SCOPE,
} from '../../../../../src/platform/emulator/service/netlink-msg.js';
import { newVeth, setLink, delLink, getLink, newAddr, replaceRoute } from '../../../../../src/platform/emulator/service/netlink-requests.js';

const one = (b: Buffer) => { const m = parseMessages(b); assert.equal(m.length, 1); return m[0]!; };

test('attributes are padded to 4 bytes, their length excludes the padding; strings end in NUL', () => {
  const a = strAttr(IFLA.IFNAME, 'eth0');
  assert.equal(a.length, 12);
  assert.equal(a.readUInt16LE(0), 9);
  assert.equal(a.readUInt16LE(2), IFLA.IFNAME);
  assert.equal(a.subarray(4, 9).toString('latin1'), 'eth0\0');
  assert.equal(attr(1, Buffer.alloc(4)).length, 8);
  assert.deepEqual([0, 1, 4, 5, 8].map(align4), [0, 4, 4, 8, 8]);
});

test('a message carries its total length, type, flags and sequence number in the header', () => {
  const m = message(RTM.DELLINK, NLM_F.REQUEST | NLM_F.ACK, 7, Buffer.alloc(16), [strAttr(IFLA.IFNAME, 'x')]);
  assert.equal(m.readUInt32LE(0), m.length);
  assert.equal(m.length, 16 + 16 + 8);
  assert.deepEqual(one(m), { type: RTM.DELLINK, flags: 5, seq: 7, body: m.subarray(16) });
  assert.deepEqual(one(delLink(3, 'wincri-ab')).type, RTM.DELLINK);
  assert.equal(one(getLink(4, 'lo')).type, RTM.GETLINK);
});

test('veth: host side up in the bridge, peer named, moved by netns fd, with its MAC, nested in LINKINFO/DATA/PEER', () => {
  const m = one(newVeth(1, { host: 'wincri-1234abcd', master: 42, peer: 'eth0', nsFd: 23, peerMac: macBytes('00-15-5D-12-34-56') }));
  assert.equal(m.type, RTM.NEWLINK);
  assert.equal(m.flags, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL);
  assert.equal(m.body.readUInt32LE(8), IFF_UP, 'ifi_flags');
  assert.equal(m.body.readUInt32LE(12), IFF_UP, 'ifi_change');
  const top = parseAttrs(m.body.subarray(16));
  assert.equal(top.get(IFLA.IFNAME)!.toString('latin1'), 'wincri-1234abcd\0');
  assert.equal(top.get(IFLA.MASTER)!.readUInt32LE(0), 42);
  const info = parseAttrs(top.get(IFLA.LINKINFO)!);
  assert.equal(info.get(IFLA_INFO_KIND)!.toString('latin1'), 'veth\0');
  const peer = parseAttrs(info.get(IFLA_INFO_DATA)!).get(VETH_INFO_PEER)!;
  const peerAttrs = parseAttrs(peer.subarray(16)); // after the peer's own ifinfomsg
  assert.equal(peerAttrs.get(IFLA.IFNAME)!.toString('latin1'), 'eth0\0');
  assert.equal(peerAttrs.get(IFLA.NET_NS_FD)!.readUInt32LE(0), 23);
  assert.deepEqual([...peerAttrs.get(IFLA.ADDRESS)!], [0x00, 0x15, 0x5d, 0x12, 0x34, 0x56]);
});

test('link set: up changes only IFF_UP; alias alone leaves the flags alone', () => {
  const up = one(setLink(2, 'lo', { up: true, alias: 'wincri-instance=abcd1234' }));
  assert.deepEqual([up.body.readUInt32LE(8), up.body.readUInt32LE(12)], [IFF_UP, IFF_UP]);
  assert.equal(parseAttrs(up.body.subarray(16)).get(IFLA.IFALIAS)!.toString('latin1'), 'wincri-instance=abcd1234\0');
  const alias = one(setLink(3, 'wincri-x', { alias: 'a' }));
  assert.deepEqual([alias.body.readUInt32LE(8), alias.body.readUInt32LE(12)], [0, 0]);
  assert.equal(parseAttrs(alias.body.subarray(16)).has(IFLA.IFALIAS), true);
});

test('address: prefix and index in ifaddrmsg, local and address in network byte order', () => {
  const m = one(newAddr(5, 2, 0x0afb0702, 24));
  assert.equal(m.type, RTM.NEWADDR);
  assert.deepEqual([m.body[0], m.body[1], m.body.readUInt32LE(4)], [2, 24, 2]);
  const a = parseAttrs(m.body.subarray(8));
  assert.deepEqual([...a.get(IFA.LOCAL)!], [10, 251, 7, 2]);
  assert.deepEqual([...a.get(IFA.ADDRESS)!], [10, 251, 7, 2]);
});

test('routes: replace semantics; default has no destination; a gateway makes it onlink, universe scope', () => {
  const def = one(replaceRoute(6, 2, { base: 0, prefix: 0 }, 0x0afb0701));
  assert.equal(def.flags, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.REPLACE);
  assert.deepEqual([def.body[1], def.body[4], def.body[6], def.body.readUInt32LE(8)], [0, 254, RT_SCOPE.UNIVERSE, RTNH_F_ONLINK]);
  const a = parseAttrs(def.body.subarray(12));
  assert.equal(a.has(RTA.DST), false);
  assert.deepEqual([...a.get(RTA.GATEWAY)!], [10, 251, 7, 1]);
  assert.equal(a.get(RTA.OIF)!.readUInt32LE(0), 2);
  const link = one(replaceRoute(7, 3, { base: 0x0a630000, prefix: 16 }));
  assert.deepEqual([link.body[1], link.body[6], link.body.readUInt32LE(8)], [16, RT_SCOPE.LINK, 0]);
  assert.deepEqual([...parseAttrs(link.body.subarray(12)).get(RTA.DST)!], [10, 99, 0, 0]);
});

/** An NLMSG_ERROR as the kernel sends it: errno, echoed header (capped), optional extended-ack text. */
function errorMsg(seq: number, errno: number, text?: string): Buffer {
  const fixed = Buffer.alloc(20);
  fixed.writeInt32LE(-errno, 0);
  fixed.writeUInt32LE(40, 4); // the request's length: only its header is echoed (capped)
  return message(NLMSG_ERROR, text ? 0x100 | NLM_F.ACK_TLVS : 0x100, seq, fixed, text ? [strAttr(NLMSGERR_ATTR_MSG, text)] : []);
}

test('acks: errno 0 is success; a failure carries the errno and the kernel text; several messages in one datagram', () => {
  const data = Buffer.concat([errorMsg(1, 0), errorMsg(2, 17), errorMsg(3, 22, 'Invalid prefix for given prefix length')]);
  const ms = parseMessages(data);
  assert.deepEqual(ms.map((m) => m.seq), [1, 2, 3]);
  assert.deepEqual(parseError(ms[0]!), { errno: 0 });
  assert.deepEqual(parseError(ms[1]!), { errno: 17 });
  assert.deepEqual(parseError(ms[2]!), { errno: 22, text: 'Invalid prefix for given prefix length' });
  const uncapped = Buffer.alloc(20 + 8); // not capped: the whole request (here 24 bytes) echoed before the TLVs
  uncapped.writeInt32LE(-19, 0);
  uncapped.writeUInt32LE(24, 4);
  const m = one(message(NLMSG_ERROR, NLM_F.ACK_TLVS, 9, uncapped, [strAttr(NLMSGERR_ATTR_MSG, 'gone')]));
  assert.deepEqual(parseError(m), { errno: 19, text: 'gone' });
});

test('a truncated datagram yields the whole messages only; an RTM_NEWLINK answer gives its index', () => {
  const link = message(RTM.NEWLINK, 0, 4, Buffer.from([0, 0, 1, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  assert.equal(ifindexOf(one(link)), 7);
  assert.equal(parseMessages(Buffer.concat([link, link.subarray(0, 20)])).length, 1);
  assert.equal(macBytes('00:15:5d:12:34'), undefined);
  assert.equal(macBytes('zz-15-5d-12-34-56'), undefined);
});
