/**
 * Real Linux networking for HNS objects (used by ./network.ts when the service runs as root with `ip` and `nft`):
 *   namespace            → network namespace `wincri-<12 hex of the GUID>` (lo up)
 *   endpoint, attached   → veth pair: host side `wincri-<8 hex of the endpoint GUID>` enslaved to the network's
 *                          bridge, peer `eth<N>` inside the namespace with the endpoint's IP, gateway and routes;
 *                          its DNS settings become /etc/netns/<ns>/resolv.conf (what `ip netns exec` shows as
 *                          /etc/resolv.conf)
 *   NAT / L2Bridge / …   → bridge `wincri-<8 hex of the network GUID>` holding the subnet's gateway address, and an
 *                          nftables table `ip wincri-<8 hex>`: masquerade of the subnet (NAT), forwarding accepts
 *   PortMapping policy   → DNAT rules (prerouting and output, so 127.0.0.1:<hostPort> works too) in that table
 *   OutBoundNAT policy   → masquerade of the endpoint's IP except towards the policy's Exceptions
 *   Overlay              → the bridge plus a VXLAN device `wincri-v<7 hex>` (VNI from the subnet's VSID policy,
 *                          UDP port from VxlanPort, MAC = the network's DrMacAddress); each RemoteSubnetRoute
 *                          becomes a route via the VXLAN device, a permanent neighbour and an FDB entry.
 * Everything carries the `wincri-` prefix (nft rules also a comment naming their endpoint), so a leak audit can
 * list it, and deleting the HNS object removes all of it.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { instanceMark, ownerChain } from './instance.js';
import { run, quiet, must, ipCmd, ipBatch, nft, LinuxNetError, SubnetOverlapError } from './linuxnet-exec.js';
import { parseCidr, ipToString, macColons } from './linuxnet-addr.js';
import { bridgeName, vxlanName, vethName, tableName } from './linuxnet-names.js';
import { overlappingHostRoute } from './linuxnet-host.js';
import { NetlinkLinks } from './netlink-link.js';
import { IpPodSteps } from './linuxnet-pod-ip.js';
import type { PodSteps } from './linuxnet-pod.js';
import { networkTable, portMappingRules, outboundNatRule, taggedRuleDeletes, type PortMapSpec } from './linuxnet-nft.js';
import { netDevChanged } from './endpoint-stats.js';

// Files: linuxnet-exec.ts (running ip/nft, batches, probe), linuxnet-names.ts, linuxnet-addr.ts, linuxnet-host.ts
// (host routes and listings), linuxnet-nft.ts (the nftables text), linuxnet-pod.ts (the per-pod steps: namespace,
// an endpoint's veth, its removal — over rtnetlink, no process, where koffi and glibc are to be had, netlink-link.ts,
// WINCRI_EMULATOR_NETLINK=0 turns that off; else with `ip`, linuxnet-pod-ip.ts); this one builds and removes the objects.
export * from './linuxnet-exec.js';
export * from './linuxnet-addr.js';
export * from './linuxnet-names.js';
export * from './linuxnet-host.js';

function writeSysctl(path: string, value: string): void {
  try { writeFileSync(`/proc/sys/${path}`, value); } catch { /* not writable here */ }
}

export interface BridgeSpec { id: string; gateway?: string; prefix: number; subnet?: string; masquerade: boolean }
export interface VxlanSpec { id: string; vni: number; port: number; local?: string; mac?: string }
export interface EndpointSpec {
  id: string; netns: string; ifName: string; bridge: string; mac?: string;
  ip?: string; prefix?: number; routes: { dst: string; via?: string }[];
  dns?: { servers: string[]; search: string[]; options: string[] };
}
export type { PortMapSpec } from './linuxnet-nft.js';

export class LinuxNet {
  /** Endpoints created by this process, and those of them that got tagged rules: the others need no rule scan. */
  private readonly createdHere = new Set<string>();
  private readonly withRules = new Set<string>();
  /** Endpoints whose veth this process removed (or found absent) since it last made one. */
  private readonly vethGone = new Set<string>();

  /** The per-pod steps: over rtnetlink where it can be used, else with `ip`. */
  private readonly nl: NetlinkLinks | null;
  private readonly ip: IpPodSteps;
  private pod(): PodSteps { return this.nl ?? this.ip; }

  /**
   * `instance`: id marked on every object made (./instance.ts); absent: unmarked, as before marks existed.
   * `scratch`: a directory of this service for `ip` batch files (./linuxnet-pod-ip.ts).
   * `netlink` false: the per-pod steps use `ip` even where rtnetlink could be used (tests of that path).
   */
  constructor(private readonly log: (m: string) => void, private readonly instance?: string, scratch?: string, netlink = true) {
    this.ip = new IpPodSteps(scratch);
    this.nl = netlink ? NetlinkLinks.get(log) : null;
  }

  private get mark(): string | undefined { return this.instance ? instanceMark(this.instance) : undefined; }

  // ── namespaces ──
  async createNetns(name: string): Promise<void> { await this.pod().createNetns(name, this.mark); }
  async deleteNetns(name: string): Promise<void> {
    await this.pod().deleteNetns(name);
    rmSync(`/etc/netns/${name}`, { recursive: true, force: true });
  }

  /** `ip` lines that mark link `dev` with this instance (none when unmarked). */
  private markLines(dev: string): string[] { return this.instance ? [`link set ${dev} alias ${instanceMark(this.instance)}`] : []; }

  // ── networks ──
  async createBridge(b: BridgeSpec): Promise<void> {
    const br = bridgeName(b.id);
    const table = tableName(b.id);
    if (b.subnet) {
      const clash = await overlappingHostRoute(b.subnet);
      if (clash) throw new SubnetOverlapError(`subnet ${b.subnet} overlaps the host route "${clash}"`);
    }
    try {
      await ipBatch(undefined, [`link add ${br} type bridge`, ...this.markLines(br)], `link del ${br}`);
      if (b.gateway) await ipCmd('addr', 'add', `${b.gateway}/${b.prefix}`, 'dev', br);
      await ipCmd('link', 'set', br, 'up');
      writeSysctl('net/ipv4/ip_forward', '1');
      writeSysctl(`net/ipv4/conf/${br}/route_localnet`, '1');
      await nft(networkTable(b, br, table, this.instance ? ownerChain(this.instance) : undefined));
    } catch (e) {
      await this.deleteNetwork(b.id);
      throw e;
    }
  }

  async createVxlan(v: VxlanSpec): Promise<void> {
    const dev = vxlanName(v.id);
    const args = ['link', 'add', dev, 'type', 'vxlan', 'id', String(v.vni), 'dstport', String(v.port), 'nolearning'];
    if (v.local) args.push('local', v.local);
    await ipCmd(...args);
    try {
      if (v.mac) await ipCmd('link', 'set', dev, 'address', macColons(v.mac));
      for (const l of this.markLines(dev)) await ipCmd(...l.split(' '));
      await ipCmd('link', 'set', dev, 'up');
    } catch (e) { await quiet('ip', ['link', 'del', dev]); throw e; }
  }

  /** Route + neighbour + FDB entry for a remote subnet behind another VTEP. */
  async addRemoteSubnet(netId: string, r: { prefix: string; pa: string; mac: string }): Promise<void> {
    const dev = vxlanName(netId);
    const c = parseCidr(r.prefix);
    if (!c) throw new LinuxNetError(`RemoteSubnetRoute DestinationPrefix ${r.prefix} is not an IPv4 CIDR`);
    const hop = ipToString(c.base);
    const mac = macColons(r.mac);
    await ipCmd('neigh', 'replace', hop, 'lladdr', mac, 'dev', dev, 'nud', 'permanent');
    await must('bridge', ['fdb', 'replace', mac, 'dev', dev, 'dst', r.pa, 'self', 'permanent']);
    await ipCmd('route', 'replace', `${ipToString(c.base)}/${c.prefix}`, 'via', hop, 'dev', dev, 'onlink');
  }
  async removeRemoteSubnet(netId: string, r: { prefix: string; pa: string; mac: string }): Promise<void> {
    const dev = vxlanName(netId);
    const c = parseCidr(r.prefix);
    if (!c) return;
    const hop = ipToString(c.base);
    await quiet('ip', ['route', 'del', `${ipToString(c.base)}/${c.prefix}`, 'dev', dev]);
    await quiet('ip', ['neigh', 'del', hop, 'dev', dev]);
    await quiet('bridge', ['fdb', 'del', macColons(r.mac), 'dev', dev, 'dst', r.pa, 'self']);
  }

  async deleteNetwork(netId: string): Promise<void> {
    await quiet('nft', ['delete', 'table', 'ip', tableName(netId)]);
    await quiet('ip', ['link', 'del', vxlanName(netId)]);
    await quiet('ip', ['link', 'del', bridgeName(netId)]);
  }

  // ── endpoints ──
  async attachEndpoint(e: EndpointSpec): Promise<void> {
    const host = vethName(e.id);
    this.vethGone.delete(e.id);
    await this.pod().attachVeth({ host, peer: e.ifName, netns: e.netns, bridge: e.bridge, mac: e.mac, alias: this.mark, ip: e.ip, prefix: e.prefix, routes: e.routes })
      .finally(netDevChanged);
    try { this.writeResolvConf(e); } catch (err) {
      await this.pod().delLink(host).catch(() => false);
      throw err;
    }
  }
  /** The endpoint's DNS settings as /etc/netns/<ns>/resolv.conf (none: nothing written). */
  private writeResolvConf(e: EndpointSpec): void {
    if (!e.dns || (e.dns.servers.length === 0 && e.dns.search.length === 0)) return;
    mkdirSync(`/etc/netns/${e.netns}`, { recursive: true });
    const lines = [
      ...(e.dns.search.length ? [`search ${e.dns.search.join(' ')}`] : []),
      ...e.dns.servers.map((s) => `nameserver ${s}`),
      ...(e.dns.options.length ? [`options ${e.dns.options.join(' ')}`] : []),
    ];
    writeFileSync(`/etc/netns/${e.netns}/resolv.conf`, lines.join('\n') + '\n');
  }
  /** Deletes an endpoint's veth pair (absent: nothing to do). */
  async removeVeth(epId: string): Promise<void> { await this.pod().delLink(vethName(epId)).finally(netDevChanged); }
  /** Forgets the DNS settings an attached endpoint gave its namespace. */
  dropResolvConf(netns: string): void { rmSync(`/etc/netns/${netns}/resolv.conf`, { force: true }); }

  async detachEndpoint(epId: string, netns?: string): Promise<void> {
    // An endpoint detached from its namespace and then deleted comes here twice: the second time costs nothing.
    if (!this.vethGone.has(epId) && await this.pod().delLink(vethName(epId)).catch(() => false).finally(netDevChanged)) this.vethGone.add(epId);
    if (netns) rmSync(`/etc/netns/${netns}/resolv.conf`, { force: true });
  }

  // ── policies (rules tagged with the endpoint) ──
  /** Called when an endpoint is created, before any of its rules: its rules are then known to this process. */
  endpointCreated(epId: string): void { this.createdHere.add(epId); }

  async addPortMappings(netId: string, epId: string, ip: string, maps: PortMapSpec[]): Promise<void> {
    this.withRules.add(epId);
    const lines = portMappingRules(tableName(netId), epId, ip, maps);
    if (lines.length) await nft(lines.join('\n') + '\n');
  }
  async addOutboundNat(netId: string, epId: string, ip: string, exceptions: string[]): Promise<void> {
    this.withRules.add(epId);
    await nft(outboundNatRule(tableName(netId), epId, ip, exceptions) + '\n');
  }
  /** Removes every rule tagged with the endpoint. */
  async removeEndpointRules(netId: string, epId: string): Promise<void> {
    const t = tableName(netId);
    const skip = this.createdHere.has(epId) && !this.withRules.has(epId);
    this.createdHere.delete(epId);
    this.withRules.delete(epId);
    this.vethGone.delete(epId); // the endpoint is being deleted: nothing more to know about it
    if (skip) return;
    const r = await run('nft', ['-a', 'list', 'table', 'ip', t]);
    if (r.code !== 0) return;
    const dels = taggedRuleDeletes(r.stdout, t, epId);
    if (dels.length) await nft(dels.join('\n') + '\n').catch((e: Error) => this.log(`removing rules of ${epId}: ${e.message}`));
  }
}
