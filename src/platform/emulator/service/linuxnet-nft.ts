/**
 * The nftables text of the emulator's networks: a network's table (NAT, hairpin, forwarding, host ports) and the
 * endpoint rules of its policies, each tagged with a comment naming its endpoint so that they can be found and
 * deleted by that tag. Text only: ./linuxnet.ts runs it.
 */
import { parseCidr } from './linuxnet-addr.js';
import { hex } from './linuxnet-names.js';

/** A PortMapping policy's mapping (protocol 6 TCP, 17 UDP); `vip`: only for that destination address. */
export interface PortMapSpec { protocol: number; internalPort: number; externalPort: number; vip?: string }

/** The comment that tags an endpoint's rules. */
export const endpointTag = (epId: string): string => `ep-${hex(epId)}`;

/** A network's table `table` for bridge `br`; `owner`: the chain marking the table as this instance's. */
export function networkTable(b: { subnet?: string; masquerade: boolean }, br: string, table: string, owner?: string): string {
  const lines = [
    `table ip ${table} {`,
    ...(owner ? [`  chain ${owner} { }`] : []),
    '  chain hostports { type nat hook prerouting priority dstnat; }',
    '  chain hostports_local { type nat hook output priority -100; }',
    '  chain masq { type nat hook postrouting priority srcnat;',
    // Host-originated connections to a mapped 127.0.0.1 port leave with a loopback source: rewrite it.
    `    ip saddr 127.0.0.0/8 oifname "${br}" masquerade comment "localhost-hostport"`,
  ];
  if (b.subnet) lines.push(`    ip saddr ${b.subnet} ip daddr ${b.subnet} ct status dnat masquerade comment "hairpin"`);
  if (b.masquerade && b.subnet) lines.push(`    ip saddr ${b.subnet} ip daddr != ${b.subnet} masquerade comment "nat-network"`);
  lines.push('  }');
  lines.push(`  chain forward_accept { type filter hook forward priority 0; iifname "${br}" accept; oifname "${br}" accept; }`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** DNAT of each mapping to the endpoint's `ip`, from outside (prerouting) and from the host (output). */
export function portMappingRules(table: string, epId: string, ip: string, maps: PortMapSpec[]): string[] {
  const lines: string[] = [];
  for (const m of maps) {
    const proto = m.protocol === 17 ? 'udp' : 'tcp';
    const match = m.vip ? `ip daddr ${m.vip}` : 'fib daddr type local';
    const rule = `${match} ${proto} dport ${m.externalPort} dnat to ${ip}:${m.internalPort} comment "${endpointTag(epId)}"`;
    lines.push(`add rule ip ${table} hostports ${rule}`, `add rule ip ${table} hostports_local ${rule}`);
  }
  return lines;
}

/** Masquerade of the endpoint's `ip` except towards the exceptions that are addresses or CIDRs. */
export function outboundNatRule(table: string, epId: string, ip: string, exceptions: string[]): string {
  const ex = exceptions.filter((x) => parseCidr(x.includes('/') ? x : `${x}/32`));
  const except = ex.length ? `ip daddr != { ${ex.join(', ')} } ` : '';
  return `add rule ip ${table} masq ip saddr ${ip} ${except}masquerade comment "${endpointTag(epId)}"`;
}

/** From `nft -a list table` output: the deletes of every rule tagged with the endpoint. */
export function taggedRuleDeletes(listing: string, table: string, epId: string): string[] {
  const tag = endpointTag(epId);
  let chain = '';
  const dels: string[] = [];
  for (const line of listing.split('\n')) {
    const c = /^\s*chain (\S+) \{/.exec(line);
    if (c) { chain = c[1]!; continue; }
    const h = /comment "([^"]+)".*# handle (\d+)/.exec(line);
    if (h && h[1] === tag) dels.push(`delete rule ip ${table} ${chain} handle ${h[2]}`);
  }
  return dels;
}
