import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkTable, portMappingRules, outboundNatRule, taggedRuleDeletes, endpointTag } from '../../../../../src/platform/emulator/service/linuxnet-nft.js';

const EP = '6F9619FF-8B86-D011-B42D-00C04FC964FF';

test('linuxnet-nft: a NAT network table masquerades its subnet and hairpins; no subnet, no subnet rules', () => {
  const t = networkTable({ subnet: '10.9.0.0/24', masquerade: true }, 'wincri-br', 'wincri-t', 'owner-x');
  assert.match(t, /^table ip wincri-t \{\n {2}chain owner-x \{ \}/);
  assert.match(t, /ip saddr 10\.9\.0\.0\/24 ip daddr != 10\.9\.0\.0\/24 masquerade comment "nat-network"/);
  assert.match(t, /ct status dnat masquerade comment "hairpin"/);
  assert.match(t, /iifname "wincri-br" accept; oifname "wincri-br" accept;/);
  const bare = networkTable({ masquerade: true }, 'wincri-br', 'wincri-t');
  assert.doesNotMatch(bare, /hairpin|nat-network|owner/);
});

test('linuxnet-nft: endpoint rules carry the endpoint tag and are found again by it', () => {
  const tag = endpointTag(EP);
  const maps = portMappingRules('wincri-t', EP, '10.9.0.5', [{ protocol: 17, internalPort: 53, externalPort: 5353 }, { protocol: 6, internalPort: 80, externalPort: 8080, vip: '10.0.0.1' }]);
  assert.deepEqual(maps, [
    `add rule ip wincri-t hostports fib daddr type local udp dport 5353 dnat to 10.9.0.5:53 comment "${tag}"`,
    `add rule ip wincri-t hostports_local fib daddr type local udp dport 5353 dnat to 10.9.0.5:53 comment "${tag}"`,
    `add rule ip wincri-t hostports ip daddr 10.0.0.1 tcp dport 8080 dnat to 10.9.0.5:80 comment "${tag}"`,
    `add rule ip wincri-t hostports_local ip daddr 10.0.0.1 tcp dport 8080 dnat to 10.9.0.5:80 comment "${tag}"`,
  ]);
  // Exceptions that are neither addresses nor CIDRs are left out of the set.
  assert.equal(outboundNatRule('wincri-t', EP, '10.9.0.5', ['10.0.0.0/8', 'bogus', '192.168.1.1']),
    `add rule ip wincri-t masq ip saddr 10.9.0.5 ip daddr != { 10.0.0.0/8, 192.168.1.1 } masquerade comment "${tag}"`);
  const listing = [
    'table ip wincri-t { # handle 7',
    '\tchain hostports { # handle 1',
    `\t\tfib daddr type local udp dport 5353 dnat to 10.9.0.5:53 comment "${tag}" # handle 11`,
    '\t\tfib daddr type local tcp dport 99 dnat to 10.9.0.6:9 comment "ep-other" # handle 12',
    '\t}',
    '\tchain masq { # handle 3',
    `\t\tip saddr 10.9.0.5 masquerade comment "${tag}" # handle 14`,
    '\t}',
    '}',
  ].join('\n');
  assert.deepEqual(taggedRuleDeletes(listing, 'wincri-t', EP), [
    'delete rule ip wincri-t hostports handle 11',
    'delete rule ip wincri-t masq handle 14',
  ]);
});
