/**
 * HCN bookkeeping: networks, endpoints and namespaces with the semantics of computenetwork.dll
 * (reference/hns-cni.md): documents validated with the HCN schemas (HCN_E_INVALID_JSON), `ID` on the wire,
 * query Filter as a JSON string (keys ID, Name, VirtualNetwork / HostComputeNetwork, IsDefault), namespace
 * membership changed only through modifyNamespace, non-idempotent attach. Overlay networks get ProviderAddress
 * and DrMacAddress policies as HNS adds them.
 *
 * As root with `ip` and `nft`, every object is also built as real Linux networking (./linuxnet.ts), so packets
 * flow between pods, to the host and across VXLAN; otherwise the bookkeeping is the same and the service says
 * once (log, service properties) that packets do not flow.
 */
import { existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { PlatformError, HRESULT } from '../../hresult.js';
import { validate, type Schema } from '../../schema.js';
import {
  HostComputeNetwork, HostComputeEndpoint, HostComputeNamespace, ModifyNamespaceSettingRequest, HcnQuery,
  ModifyNetworkSettingRequest, PolicyNetworkRequest, type NetworkPolicyDoc,
  type HostComputeNetworkDoc, type HostComputeEndpointDoc, type HostComputeNamespaceDoc,
  type ModifyNamespaceSettingRequestDoc, type NamespaceEndpointRequestDoc, type NamespaceContainerRequestDoc,
} from '../../hcn/schema/index.js';
import type { Persister } from './persist.js';
import type { SubnetDoc } from '../../hcn/schema/index.js';
import {
  LinuxNet, SubnetOverlapError, probeLinuxNetworking, netnsName, bridgeName, parseCidr, ipToString, defaultSourceAddress,
  vethName, type PortMapSpec,
} from './linuxnet.js';
import { endpointStats } from './endpoint-stats.js';
import type { EndpointStatsDoc } from '../../hcn/schema/index.js';

interface NetState {
  networks: HostComputeNetworkDoc[]; endpoints: HostComputeEndpointDoc[]; namespaces: HostComputeNamespaceDoc[]; nextCompartment: number;
  /** Networks that have Linux networking (a network whose subnet is already routed here is bookkeeping only). */
  linuxBuilt?: string[];
}

function parse<T>(schema: Schema<T>, op: string, text: unknown, allowEmpty = true): T {
  let doc: unknown = text;
  if (typeof text === 'string') {
    if (text.trim() === '' && allowEmpty) doc = {};
    else {
      try { doc = JSON.parse(text); } catch (e) {
        throw new PlatformError(HRESULT.HCN_E_INVALID_JSON, op, `not valid JSON: ${(e as Error).message}`);
      }
    }
  }
  if (doc === undefined || doc === null) doc = {};
  const r = validate(schema, doc);
  if (!r.ok) {
    throw new PlatformError(HRESULT.HCN_E_INVALID_JSON, op, `${r.problem.path}: ${r.problem.message}`,
      { Error: HRESULT.HCN_E_INVALID_JSON | 0, ErrorMessage: r.problem.message, Path: r.problem.path });
  }
  return r.value;
}

const norm = (id: string): string => id.replace(/[{}]/g, '').toLowerCase();
const GUID_RE = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;

function checkId(op: string, id: unknown): string {
  if (id === undefined || id === null || id === '') return randomUUID();
  if (typeof id !== 'string' || !GUID_RE.test(id)) throw new PlatformError(HRESULT.HCN_E_GUID_CONVERSION_FAILURE, op, `${String(id)} is not a GUID`);
  return id.replace(/[{}]/g, '');
}

function filterOf(op: string, queryText: unknown): Record<string, unknown> {
  const q = parse(HcnQuery, op, queryText);
  if (!q.Filter) return {};
  try {
    const f = JSON.parse(q.Filter) as unknown;
    return typeof f === 'object' && f !== null ? f as Record<string, unknown> : {};
  } catch { throw new PlatformError(HRESULT.HCN_E_INVALID_JSON, op, 'Filter is not valid JSON'); }
}

const eq = (a: unknown, b: unknown): boolean =>
  typeof a === 'string' && typeof b === 'string' ? norm(a) === norm(b) : a === b;

const ip4 = (s: string): number => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
const ip4s = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
type PortSetting = { Protocol?: number; ExternalPort?: number; VIP?: string };
const portsOf = (e: HostComputeEndpointDoc): PortSetting[] =>
  (e.Policies ?? []).filter((p) => p.Type === 'PortMapping').map((p) => (p.Settings ?? {}) as PortSetting);

const BRIDGED_TYPES = new Set(['NAT', 'ICS', 'L2Bridge', 'L2Tunnel', 'Transparent', 'Overlay', 'Internal', 'Private']);

function firstSubnet(n: HostComputeNetworkDoc): SubnetDoc | undefined {
  return n.Ipams?.flatMap((i) => i.Subnets ?? []).find((s) => !!s.IpAddressPrefix && !s.IpAddressPrefix.includes(':'));
}
/** The subnet's gateway: NextHop of its default route, else the first address. */
function gatewayOf(sub: SubnetDoc | undefined): string | undefined {
  if (!sub?.IpAddressPrefix) return undefined;
  const r = sub.Routes?.find((x) => x.DestinationPrefix === '0.0.0.0/0' && x.NextHop);
  if (r) return r.NextHop;
  const c = parseCidr(sub.IpAddressPrefix);
  return c && c.prefix < 31 ? ipToString(c.base + 1) : undefined;
}
const settingsOf = <T>(p: { Settings?: unknown }): T => (p.Settings ?? {}) as T;

export class NetworkEmulator {
  private st: NetState = { networks: [], endpoints: [], namespaces: [], nextCompartment: 2 };
  private readonly linux?: LinuxNet;
  /** Why packets do not flow ('' when real Linux networking is built). */
  readonly packetsDoNotFlowReason: string;
  /** Why a network got no Linux networking although the service builds it (network ID → reason). */
  private readonly degraded = new Map<string, string>();

  constructor(private readonly persist: Persister, private readonly log: (m: string) => void = () => undefined, opts: { linux?: boolean; instance?: string } = {}) {
    const probe = opts.linux === false ? { enabled: false, reason: 'disabled' } : probeLinuxNetworking();
    if (probe.enabled) this.linux = new LinuxNet(log, opts.instance);
    this.packetsDoNotFlowReason = probe.enabled ? '' : probe.reason;
    if (!probe.enabled) log(`network: HNS objects are bookkeeping only and packets do not flow (${probe.reason})`);
  }

  /** Service facts for HcsGetServiceProperties. */
  networkingFacts(): { LinuxNetworking: boolean; PacketsFlow: boolean; Reason?: string; Degraded?: { Network: string; Reason: string }[] } {
    if (!this.linux) return { LinuxNetworking: false, PacketsFlow: false, Reason: this.packetsDoNotFlowReason };
    // Bridged networks without Linux networking (their subnet was already routed on this host).
    const degraded = this.st.networks.filter((n) => n.Type && BRIDGED_TYPES.has(n.Type) && !this.isBuilt(n.ID)).map((n) => ({
      Network: n.Name ?? n.ID!, Reason: this.degraded.get(n.ID!.toLowerCase()) ?? 'its subnet was already routed on this host when it was created',
    }));
    return degraded.length ? { LinuxNetworking: true, PacketsFlow: true, Degraded: degraded } : { LinuxNetworking: true, PacketsFlow: true };
  }

  /** The Linux network namespace of an HNS namespace (when real networking is built). */
  linuxNetns(namespaceGuid: string): string | undefined {
    if (!this.linux) return undefined;
    const ns = this.st.namespaces.find((x) => eq(x.ID, namespaceGuid));
    return ns && ns.Type !== 'HostDefault' && ns.Type !== 'GuestDefault' ? netnsName(ns.ID!) : undefined;
  }

  /**
   * Service stop (the `stopService` request, like a node going down): removes the Linux networking of every
   * object and forgets the objects, as HNS forgets non-persistent networks across a reboot.
   */
  async teardownAll(): Promise<void> {
    if (this.linux) {
      for (const e of this.st.endpoints) {
        await this.linux.detachEndpoint(e.ID!, e.HostComputeNamespace ? netnsName(e.HostComputeNamespace) : undefined);
      }
      for (const ns of this.st.namespaces) if (ns.Type !== 'HostDefault' && ns.Type !== 'GuestDefault') await this.linux.deleteNetns(netnsName(ns.ID!));
      for (const n of this.st.networks) if (this.isBuilt(n.ID)) await this.linux.deleteNetwork(n.ID!);
    }
    this.st = { networks: [], endpoints: [], namespaces: [], nextCompartment: 2, linuxBuilt: [] };
    await this.save();
  }

  private linuxFail(op: string, e: unknown): PlatformError {
    this.log(`${op}: Linux networking failed: ${(e as Error).message}`);
    return new PlatformError(HRESULT.E_FAIL, op, `building Linux networking failed: ${(e as Error).message}`);
  }

  async load(): Promise<void> {
    const s = await this.persist.load<NetState>('network');
    if (s) this.st = s;
    if (!this.linux) return;
    // A namespace recorded by a service killed before it made (or while it removed) the netns: make it again.
    for (const ns of this.st.namespaces) {
      if (ns.Type === 'HostDefault' || ns.Type === 'GuestDefault' || existsSync(`/run/netns/${netnsName(ns.ID!)}`)) continue;
      this.log(`network: namespace ${ns.ID} had no network namespace (service killed while making it); making it again`);
      await this.linux.createNetns(netnsName(ns.ID!)).catch((e) => this.log(`network: re-creating netns of ${ns.ID} failed: ${(e as Error).message}`));
    }
  }
  private save(): Promise<void> { return this.persist.save('network', () => this.st); }

  private net(op: string, id: string): HostComputeNetworkDoc {
    const n = this.st.networks.find((x) => eq(x.ID, id));
    if (!n) throw new PlatformError(HRESULT.HCN_E_NETWORK_NOT_FOUND, op, `network ${id} not found`);
    return n;
  }
  private ep(op: string, id: string): HostComputeEndpointDoc {
    const e = this.st.endpoints.find((x) => eq(x.ID, id));
    if (!e) throw new PlatformError(HRESULT.HCN_E_ENDPOINT_NOT_FOUND, op, `endpoint ${id} not found`);
    return e;
  }
  private ns(op: string, id: string): HostComputeNamespaceDoc {
    const n = this.st.namespaces.find((x) => eq(x.ID, id));
    if (!n) throw new PlatformError(HRESULT.ERROR_NOT_FOUND, op, `namespace ${id} not found`);
    return n;
  }

  async createNetwork(idIn: unknown, text: unknown): Promise<HostComputeNetworkDoc> {
    const op = 'HcnCreateNetwork';
    const doc = parse(HostComputeNetwork, op, text);
    const id = checkId(op, idIn ?? doc.ID);
    if (this.st.networks.some((n) => eq(n.ID, id) || (doc.Name && n.Name === doc.Name))) {
      throw new PlatformError(HRESULT.HCN_E_NETWORK_ALREADY_EXISTS, op, `a network with id ${id} or name ${doc.Name ?? ''} already exists`);
    }
    const rec: HostComputeNetworkDoc = { ...doc, ID: id, SchemaVersion: doc.SchemaVersion ?? { Major: 2, Minor: 0 }, State: 1 };
    if (rec.Type === 'Overlay') {
      // HNS adds the host's provider address and a distributed-router MAC to overlay networks.
      const pol = rec.Policies ?? (rec.Policies = []);
      if (!pol.some((p) => p.Type === 'ProviderAddress')) {
        pol.push({ Type: 'ProviderAddress', Settings: { ProviderAddress: (await defaultSourceAddress()) ?? '127.0.0.1' } });
      }
      if (!pol.some((p) => p.Type === 'DrMacAddress')) pol.push({ Type: 'DrMacAddress', Settings: { Address: macFor(id, '02') } });
    }
    this.st.networks.push(rec);
    if (this.linux && rec.Type && BRIDGED_TYPES.has(rec.Type)) {
      (this.st.linuxBuilt ??= []).push(id.toLowerCase());
      try {
        await this.buildNetwork(rec);
      } catch (e) {
        this.st.linuxBuilt = this.st.linuxBuilt.filter((x) => x !== id.toLowerCase());
        if (e instanceof SubnetOverlapError) {
          // Several emulated hosts share this Linux host: keep the HNS semantics, say that packets do not flow.
          this.log(`${op}: network ${rec.Name ?? id} is bookkeeping only, packets do not flow: ${e.message}`);
          const leftover = /dev (wincri-[0-9a-f]+)/.exec(e.message)?.[1];
          this.degraded.set(id.toLowerCase(), `packets do not flow: ${e.message}${leftover
            ? ` (${leftover} is another emulator's bridge: stop that one with "wincri shutdown --root <its root>", or choose another subnet)` : ''}`);
        } else {
          this.st.networks = this.st.networks.filter((x) => x !== rec);
          throw this.linuxFail(op, e);
        }
      }
    }
    await this.save();
    return rec;
  }

  private async buildNetwork(n: HostComputeNetworkDoc): Promise<void> {
    const l = this.linux!;
    const sub = firstSubnet(n);
    const c = sub?.IpAddressPrefix ? parseCidr(sub.IpAddressPrefix) : undefined;
    const subnet = c ? `${ipToString(c.base)}/${c.prefix}` : undefined;
    await l.createBridge({ id: n.ID!, gateway: gatewayOf(sub), prefix: c?.prefix ?? 32, subnet, masquerade: n.Type === 'NAT' || n.Type === 'ICS' });
    if (n.Type !== 'Overlay') return;
    try {
      const pol = n.Policies ?? [];
      const vsid = sub?.Policies?.find((p) => p.Type === 'VSID');
      const vni = (vsid ? settingsOf<{ IsolationId?: number }>(vsid).IsolationId : undefined) || 4096;
      const port = settingsOf<{ Port?: number }>(pol.find((p) => p.Type === 'VxlanPort') ?? {}).Port || 4789;
      const pa = settingsOf<{ ProviderAddress?: string }>(pol.find((p) => p.Type === 'ProviderAddress') ?? {}).ProviderAddress;
      const mac = settingsOf<{ Address?: string }>(pol.find((p) => p.Type === 'DrMacAddress') ?? {}).Address;
      await l.createVxlan({ id: n.ID!, vni, port, local: pa && pa !== '127.0.0.1' ? pa : undefined, mac });
      for (const p of pol) if (p.Type === 'RemoteSubnetRoute') await this.applyRemoteSubnet(n, p, 'Add');
    } catch (e) {
      await l.deleteNetwork(n.ID!);
      throw e;
    }
  }

  private isBuilt(netId: string | undefined): boolean {
    return !!this.linux && !!netId && (this.st.linuxBuilt ?? []).includes(netId.toLowerCase());
  }

  private async applyRemoteSubnet(n: HostComputeNetworkDoc, p: NetworkPolicyDoc, how: 'Add' | 'Remove'): Promise<void> {
    if (!this.linux || n.Type !== 'Overlay' || p.Type !== 'RemoteSubnetRoute') return;
    if (!this.isBuilt(n.ID)) return;
    const s = settingsOf<{ DestinationPrefix?: string; ProviderAddress?: string; DistributedRouterMacAddress?: string }>(p);
    if (!s.DestinationPrefix || !s.ProviderAddress || !s.DistributedRouterMacAddress) return;
    const r = { prefix: s.DestinationPrefix, pa: s.ProviderAddress, mac: s.DistributedRouterMacAddress };
    if (how === 'Add') await this.linux.addRemoteSubnet(n.ID!, r); else await this.linux.removeRemoteSubnet(n.ID!, r);
  }
  async queryNetwork(id: string): Promise<HostComputeNetworkDoc> { return this.net('HcnQueryNetworkProperties', id); }
  async deleteNetwork(id: string): Promise<void> {
    const op = 'HcnDeleteNetwork';
    const n = this.net(op, id);
    if (this.st.endpoints.some((e) => eq(e.HostComputeNetwork, n.ID))) {
      throw new PlatformError(HRESULT.HCN_E_ENTITY_HAS_REFERENCES, op, `network ${id} still has endpoints`);
    }
    this.st.networks = this.st.networks.filter((x) => x !== n);
    if (this.isBuilt(n.ID)) await this.linux!.deleteNetwork(n.ID!);
    this.st.linuxBuilt = (this.st.linuxBuilt ?? []).filter((x) => x !== n.ID!.toLowerCase());
    this.degraded.delete(n.ID!.toLowerCase());
    await this.save();
  }
  async enumerateNetworks(query: unknown): Promise<HostComputeNetworkDoc[]> {
    const f = filterOf('HcnEnumerateNetworks', query);
    return this.st.networks.filter((n) => (f.ID === undefined || eq(n.ID, f.ID)) && (f.Name === undefined || n.Name === f.Name));
  }

  /** HcnModifyNetwork with ResourceType Policy: Add appends (exact duplicates rejected), Remove drops equal policies. */
  async modifyNetwork(id: string, text: unknown): Promise<void> {
    const op = 'HcnModifyNetwork';
    const req = parse(ModifyNetworkSettingRequest, op, text, false);
    const n = this.net(op, id);
    if (req.ResourceType !== 'Policy') throw new PlatformError(HRESULT.HCN_E_REQUEST_UNSUPPORTED, op, `ResourceType ${req.ResourceType ?? '(none)'} is not supported`);
    const policies = parse(PolicyNetworkRequest, op, req.Settings ?? {}).Policies ?? [];
    const cur: NetworkPolicyDoc[] = n.Policies ?? [];
    if (req.RequestType === 'Add') {
      for (const p of policies) {
        if (cur.some((c) => c.Type === p.Type && sameJson(c.Settings, p.Settings))) throw new PlatformError(HRESULT.HCN_E_POLICY_ALREADY_EXISTS, op, `${p.Type} policy already exists`);
      }
      for (const p of policies) {
        try { await this.applyRemoteSubnet(n, p, 'Add'); } catch (e) { throw this.linuxFail(op, e); }
      }
      n.Policies = [...cur, ...policies];
    } else if (req.RequestType === 'Remove') {
      for (const p of policies) {
        if (!cur.some((c) => c.Type === p.Type && sameJson(c.Settings, p.Settings))) throw new PlatformError(HRESULT.HCN_E_POLICY_NOT_FOUND, op, `${p.Type} policy not found`);
      }
      // Linux objects go first, so a reader who sees the policy gone also finds the route and FDB entry gone.
      for (const p of policies) await this.applyRemoteSubnet(n, p, 'Remove').catch((e: Error) => this.log(`${op}: ${e.message}`));
      n.Policies = cur.filter((c) => !policies.some((p) => c.Type === p.Type && sameJson(c.Settings, p.Settings)));
    } else throw new PlatformError(HRESULT.HCN_E_REQUEST_UNSUPPORTED, op, `RequestType ${req.RequestType ?? '(none)'} is not supported for policies`);
    await this.save();
  }

  async createEndpoint(networkId: string, idIn: unknown, text: unknown): Promise<HostComputeEndpointDoc> {
    const op = 'HcnCreateEndpoint';
    const doc = parse(HostComputeEndpoint, op, text);
    const net = this.net(op, networkId);
    if (doc.HostComputeNetwork && !eq(doc.HostComputeNetwork, net.ID)) {
      throw new PlatformError(HRESULT.HCN_E_INVALID_ENDPOINT, op, 'HostComputeNetwork does not match the network handle');
    }
    if (doc.HostComputeNamespace) throw new PlatformError(HRESULT.HCN_E_INVALID_ENDPOINT, op, 'HostComputeNamespace is read-only; attach with HcnModifyNamespace');
    const id = checkId(op, idIn ?? doc.ID);
    if (this.st.endpoints.some((e) => eq(e.ID, id))) throw new PlatformError(HRESULT.ERROR_OBJECT_ALREADY_EXISTS, op, `endpoint ${id} exists`);
    // A host port (protocol, external port, VIP) can be mapped once per host.
    for (const m of portsOf(doc)) {
      const clash = this.st.endpoints.find((e) => portsOf(e).some((o) => o.Protocol === m.Protocol && o.ExternalPort === m.ExternalPort
        && (!o.VIP || !m.VIP || o.VIP === m.VIP)));
      if (clash) throw new PlatformError(HRESULT.HCN_E_PORT_ALREADY_EXISTS, op, `port ${m.ExternalPort ?? 0}/${m.Protocol ?? 0} is already mapped by endpoint ${clash.ID ?? ''}`);
    }
    const rec: HostComputeEndpointDoc = { ...doc, ID: id, HostComputeNetwork: net.ID!, SchemaVersion: doc.SchemaVersion ?? { Major: 2, Minor: 0 }, State: 1 };
    // HNS IPAM: a local endpoint without IpConfigurations gets the next free address of the network's subnet.
    if (!rec.IpConfigurations?.length && !((rec.Flags ?? 0) & 1)) {
      const subnet = net.Ipams?.[0]?.Subnets?.[0];
      if (subnet?.IpAddressPrefix) {
        const [base, len] = subnet.IpAddressPrefix.split('/');
        const prefix = Number(len);
        const size = 2 ** (32 - prefix);
        const first = ip4(base!) - (ip4(base!) % size);
        const used = new Set(this.st.endpoints.filter((e) => eq(e.HostComputeNetwork, net.ID)).flatMap((e) => (e.IpConfigurations ?? []).map((c) => c.IpAddress)));
        for (const r of subnet.Routes ?? []) if (r.NextHop) used.add(r.NextHop);
        let ip: string | undefined;
        for (let n = first + 1; n < first + size - 1 && !ip; n++) if (!used.has(ip4s(n))) ip = ip4s(n);
        if (!ip) throw new PlatformError(HRESULT.HCN_E_INVALID_IP, op, `no free address left in ${subnet.IpAddressPrefix}`);
        rec.IpConfigurations = [{ IpAddress: ip, PrefixLength: prefix }];
      }
    }
    if (!rec.MacAddress) rec.MacAddress = ['00', '15', '5D', ...randomUUID().slice(0, 6).match(/../g)!].join('-').toUpperCase();
    if (!rec.Routes?.length && !((rec.Flags ?? 0) & 1)) {
      const gw = gatewayOf(firstSubnet(net));
      if (gw) rec.Routes = [{ DestinationPrefix: '0.0.0.0/0', NextHop: gw }];
    }
    this.st.endpoints.push(rec);
    if (this.isBuilt(net.ID)) {
      try {
        await this.endpointRules(net, rec);
      } catch (e) {
        await this.linux!.removeEndpointRules(net.ID!, id);
        this.st.endpoints = this.st.endpoints.filter((x) => x !== rec);
        throw this.linuxFail(op, e);
      }
    }
    await this.save();
    return rec;
  }

  /** PortMapping → DNAT, OutBoundNAT → masquerade with exceptions (local endpoints only). */
  private async endpointRules(net: HostComputeNetworkDoc, e: HostComputeEndpointDoc): Promise<void> {
    this.linux!.endpointCreated(e.ID!);
    const ip = e.IpConfigurations?.[0]?.IpAddress;
    if (!ip || ip.includes(':') || (e.Flags ?? 0) & 1) return;
    const maps: PortMapSpec[] = [];
    for (const m of portsOf(e)) {
      const s = m as PortSetting & { InternalPort?: number };
      if (!s.ExternalPort) continue;
      maps.push({ protocol: s.Protocol ?? 6, internalPort: s.InternalPort || s.ExternalPort, externalPort: s.ExternalPort, vip: s.VIP || undefined });
    }
    if (maps.length) await this.linux!.addPortMappings(net.ID!, e.ID!, ip, maps);
    for (const p of e.Policies ?? []) {
      if (p.Type === 'OutBoundNAT') await this.linux!.addOutboundNat(net.ID!, e.ID!, ip, settingsOf<{ Exceptions?: string[] }>(p).Exceptions ?? []);
    }
  }
  async queryEndpoint(id: string): Promise<HostComputeEndpointDoc> { return this.ep('HcnQueryEndpointProperties', id); }
  /** HcnQueryEndpointStats: the counters of the endpoint's veth (./endpoint-stats.ts). */
  async queryEndpointStats(id: string): Promise<EndpointStatsDoc> {
    const e = this.ep('HcnQueryEndpointStats', id);
    return endpointStats(e.ID!, this.linux && e.HostComputeNamespace ? vethName(e.ID!) : undefined);
  }
  async deleteEndpoint(id: string): Promise<void> {
    const e = this.ep('HcnDeleteEndpoint', id);
    // Deleting an attached endpoint detaches it from its namespace first.
    for (const ns of this.st.namespaces) ns.Resources = (ns.Resources ?? []).filter((r) => !(r.Type === 'Endpoint' && eq(r.Data?.ID, e.ID)));
    this.st.endpoints = this.st.endpoints.filter((x) => x !== e);
    if (this.linux) {
      await this.linux.detachEndpoint(e.ID!, e.HostComputeNamespace ? netnsName(e.HostComputeNamespace) : undefined);
      if (e.HostComputeNetwork) await this.linux.removeEndpointRules(e.HostComputeNetwork, e.ID!);
    }
    await this.save();
  }
  async enumerateEndpoints(query: unknown): Promise<HostComputeEndpointDoc[]> {
    const f = filterOf('HcnEnumerateEndpoints', query);
    const vn = f.VirtualNetwork ?? f.HostComputeNetwork;
    return this.st.endpoints.filter((e) => (f.ID === undefined || eq(e.ID, f.ID)) && (f.Name === undefined || e.Name === f.Name)
      && (vn === undefined || eq(e.HostComputeNetwork, vn)));
  }

  async createNamespace(idIn: unknown, text: unknown): Promise<HostComputeNamespaceDoc> {
    const op = 'HcnCreateNamespace';
    const doc = parse(HostComputeNamespace, op, text) as HostComputeNamespaceDoc;
    const id = checkId(op, idIn ?? doc.ID);
    if (this.st.namespaces.some((n) => eq(n.ID, id))) throw new PlatformError(HRESULT.ERROR_OBJECT_ALREADY_EXISTS, op, `namespace ${id} exists`);
    const type = doc.Type ?? 'Host';
    if (type === 'HostDefault' && this.st.namespaces.some((n) => n.Type === 'HostDefault')) {
      throw new PlatformError(HRESULT.HCN_E_DEFAULTNAMESPACE_EXISTS, op, 'a HostDefault namespace exists');
    }
    if ((doc.Resources ?? []).length > 0) throw new PlatformError(HRESULT.HCN_E_INVALID_JSON, op, 'Resources are added with HcnModifyNamespace');
    const rec: HostComputeNamespaceDoc = {
      ...doc, ID: id, Type: type, NamespaceId: type === 'HostDefault' ? 1 : this.st.nextCompartment++,
      SchemaVersion: doc.SchemaVersion && doc.SchemaVersion.Major ? doc.SchemaVersion : { Major: 2, Minor: 0 }, Resources: [], State: 1,
    };
    this.st.namespaces.push(rec);
    // Recorded before the netns exists: a service killed in between leaves a record load() completes, never a
    // network namespace that nothing accounts for.
    await this.save();
    if (this.linux && type !== 'HostDefault' && type !== 'GuestDefault') {
      try { await this.linux.createNetns(netnsName(id)); } catch (e) {
        this.st.namespaces = this.st.namespaces.filter((x) => x !== rec);
        await this.save();
        throw this.linuxFail(op, e);
      }
    }
    return rec;
  }
  async queryNamespace(id: string): Promise<HostComputeNamespaceDoc> { return this.ns('HcnQueryNamespaceProperties', id); }
  async deleteNamespace(id: string): Promise<void> {
    const ns = this.ns('HcnDeleteNamespace', id);
    const members = this.st.endpoints.filter((e) => e.HostComputeNamespace && eq(e.HostComputeNamespace, ns.ID));
    for (const e of members) delete e.HostComputeNamespace;
    this.st.namespaces = this.st.namespaces.filter((x) => x !== ns);
    if (this.linux && ns.Type !== 'HostDefault' && ns.Type !== 'GuestDefault') {
      for (const e of members) await this.linux.detachEndpoint(e.ID!);
      await this.linux.deleteNetns(netnsName(ns.ID!));
    }
    await this.save();
  }
  async enumerateNamespaces(query: unknown): Promise<HostComputeNamespaceDoc[]> {
    const f = filterOf('HcnEnumerateNamespaces', query);
    return this.st.namespaces.filter((n) => (f.ID === undefined || eq(n.ID, f.ID))
      && (f.IsDefault === undefined || (n.Type === 'HostDefault') === Boolean(f.IsDefault)));
  }

  async modifyNamespace(id: string, text: unknown): Promise<void> {
    const op = 'HcnModifyNamespace';
    const req = parse(ModifyNamespaceSettingRequest, op, text, false) as ModifyNamespaceSettingRequestDoc;
    const ns = this.ns(op, id);
    const resources = ns.Resources ?? (ns.Resources = []);
    if (req.ResourceType === 'Endpoint') {
      const epId = (req.Settings as NamespaceEndpointRequestDoc | undefined)?.EndpointId;
      if (!epId) throw new PlatformError(HRESULT.HCN_E_INVALID_JSON, op, 'Settings.EndpointId is required');
      const e = this.ep(op, epId);
      if (req.RequestType === 'Add') {
        if (e.HostComputeNamespace) throw new PlatformError(HRESULT.HCN_E_ENDPOINT_NAMESPACE_ALREADY_EXISTS, op, `endpoint ${epId} is already part of a network namespace`);
        const index = resources.filter((r) => r.Type === 'Endpoint').length;
        resources.push({ Type: 'Endpoint', Data: { ID: e.ID! } });
        e.HostComputeNamespace = ns.ID!;
        const net = this.st.networks.find((n) => eq(n.ID, e.HostComputeNetwork));
        if (this.linux && ns.Type !== 'HostDefault' && ns.Type !== 'GuestDefault' && this.isBuilt(net?.ID)) {
          const ic = e.IpConfigurations?.find((c) => c.IpAddress && !c.IpAddress.includes(':'));
          try {
            await this.linux.attachEndpoint({
              id: e.ID!, netns: netnsName(ns.ID!), ifName: `eth${index}`, bridge: bridgeName(net!.ID!), mac: e.MacAddress,
              ip: ic?.IpAddress, prefix: ic?.PrefixLength,
              routes: (e.Routes ?? []).filter((r) => r.DestinationPrefix && !r.DestinationPrefix.includes(':')).map((r) => ({ dst: r.DestinationPrefix!, via: r.NextHop || undefined })),
              dns: e.Dns ? { servers: e.Dns.ServerList ?? [], search: e.Dns.Search ?? (e.Dns.Domain ? [e.Dns.Domain] : []), options: e.Dns.Options ?? [] } : undefined,
            });
          } catch (err) {
            ns.Resources = (ns.Resources ?? []).filter((r) => !(r.Type === 'Endpoint' && eq(r.Data?.ID, e.ID)));
            delete e.HostComputeNamespace;
            throw this.linuxFail(op, err);
          }
        }
      } else if (req.RequestType === 'Remove') {
        if (!e.HostComputeNamespace || !eq(e.HostComputeNamespace, ns.ID)) throw new PlatformError(HRESULT.HCN_E_ENDPOINT_NOT_ATTACHED, op, `endpoint ${epId} is not in namespace ${id}`);
        ns.Resources = resources.filter((r) => !(r.Type === 'Endpoint' && eq(r.Data?.ID, e.ID)));
        delete e.HostComputeNamespace;
        if (this.linux) await this.linux.detachEndpoint(e.ID!, netnsName(ns.ID!));
      } else throw new PlatformError(HRESULT.HCN_E_REQUEST_UNSUPPORTED, op, `RequestType ${req.RequestType ?? '(none)'} is not supported for endpoints`);
    } else if (req.ResourceType === 'Container') {
      const cid = (req.Settings as NamespaceContainerRequestDoc | undefined)?.ContainerId;
      if (!cid) throw new PlatformError(HRESULT.HCN_E_INVALID_JSON, op, 'Settings.ContainerId is required');
      const has = resources.some((r) => r.Type === 'Container' && r.Data?.ID === cid);
      if (req.RequestType === 'Add') { if (!has) resources.push({ Type: 'Container', Data: { ID: cid } }); }
      else if (req.RequestType === 'Remove') {
        if (!has) throw new PlatformError(HRESULT.ERROR_NOT_FOUND, op, `container ${cid} is not in namespace ${id}`);
        ns.Resources = resources.filter((r) => !(r.Type === 'Container' && r.Data?.ID === cid));
      } else throw new PlatformError(HRESULT.HCN_E_REQUEST_UNSUPPORTED, op, `RequestType ${req.RequestType ?? '(none)'} is not supported for containers`);
    } else {
      throw new PlatformError(HRESULT.HCN_E_INVALID_JSON, op, 'ResourceType is required');
    }
    await this.save();
  }
}

/** A stable MAC for an object: the given prefix, then bytes of the GUID (dash-separated, as HNS writes MACs). */
function macFor(guid: string, prefix: string): string {
  const h = guid.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  const parts = prefix.split('-');
  let i = 0;
  while (parts.length < 6) { parts.push(h.slice(i, i + 2) || '00'); i += 2; }
  return parts.join('-');
}
