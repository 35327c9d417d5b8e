/** The addresses the netlink path accepts before it makes anything (netlink-link.ts, through linuxnet-addr.ts). Pure. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDst } from '../../../../../src/platform/emulator/service/netlink-link.js';
import { ipToNumber, parseCidr } from '../../../../../src/platform/emulator/service/linuxnet-addr.js';

test('IPv4 addresses: four octets 0–255, nothing else', () => {
  assert.equal(ipToNumber('10.251.7.2'), 0x0afb0702);
  assert.equal(ipToNumber('255.255.255.255'), 0xffffffff);
  for (const bad of ['10.251.300.0', '10.0.0', '10.0.0.1.2', 'a.b.c.d', '', '1.2.3.-4', '1.2.3.1000']) assert.equal(ipToNumber(bad), undefined, bad);
});

test('route destinations: default, a CIDR (host bits kept for the kernel to judge), a bare address is /32', () => {
  assert.deepEqual(parseDst('default'), { base: 0, prefix: 0 });
  assert.deepEqual(parseDst('10.99.0.0/16'), { base: 0x0a630000, prefix: 16 });
  assert.deepEqual(parseDst('10.7.0.5/8'), { base: 0x0a070005, prefix: 8 });
  assert.deepEqual(parseDst('10.0.0.5'), { base: 0x0a000005, prefix: 32 });
  for (const bad of ['10.251.300.0/24', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/8/1', 'fd00::/64']) assert.equal(parseDst(bad), undefined, bad);
});

test('subnets: the network address (host bits masked), a prefix required, octets over 255 refused', () => {
  assert.deepEqual(parseCidr('10.7.0.5/8'), { base: 0x0a000000, prefix: 8 });
  assert.deepEqual(parseCidr('0.0.0.0/0'), { base: 0, prefix: 0 });
  assert.deepEqual(parseCidr('192.168.1.9/32'), { base: 0xc0a80109, prefix: 32 });
  for (const bad of ['10.0.0.0', '10.251.300.0/24', '10.0.0.0/33', '256.0.0.0/8']) assert.equal(parseCidr(bad), undefined, bad);
});
