/** HCN endpoints (network.ts): create on a network (addresses, MAC, port mappings), query, statistics, enumerate, delete. */
import { randomUUID } from 'node:crypto';
import { PlatformError, HRESULT } from '../../hresult.js';
import { HostComputeEndpoint, type HostComputeNetworkDoc, type HostComputeEndpointDoc, type EndpointStatsDoc } from '../../hcn/schema/index.js';
import { netnsName, vethName, type PortMapSpec } from './linuxnet.js';
import { endpointStats } from './endpoint-stats.js';
import { checkEndpointAddresses } from './endpoint-check.js';
import { parse, checkId, filterOf, eq, ip4, ip4s, portsOf, type PortSetting, firstSubnet, gatewayOf, settingsOf } from './network-wire.js';
import { NetworkNetworks } from './network-networks.js';

export abstract class NetworkEndpoints extends NetworkNetworks {
  async createEndpoint(networkId: string, idIn: unknown, text: unknown): Promise<HostComputeEndpointDoc> {
    const op = 'HcnCreateEndpoint';
    const doc = parse(HostComputeEndpoint, op, text);
    const net = this.net(op, networkId);
    if (doc.HostComputeNetwork && !eq(doc.HostComputeNetwork, net.ID)) {
      throw new PlatformError(HRESULT.HCN_E_INVALID_ENDPOINT, op, 'HostComputeNetwork does not match the network handle');
    }
    if (doc.HostComputeNamespace) throw new PlatformError(HRESULT.HCN_E_INVALID_ENDPOINT, op, 'HostComputeNamespace is read-only; attach with HcnModifyNamespace');
    const id = checkId(op, idIn ?? doc.ID);
    checkEndpointAddresses(op, doc);
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
        await this.save(); // another call's save may have written the endpoint meanwhile
        throw this.linuxFail(op, e);
      }
    }
    await this.save();
    return rec;
  }

  /** PortMapping → DNAT, OutBoundNAT → masquerade with exceptions (local endpoints only). */
  protected async endpointRules(net: HostComputeNetworkDoc, e: HostComputeEndpointDoc): Promise<void> {
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
    if (this.reaper) {
      // Journalled with the records' change (network-reaper.ts): the veth goes with its namespace or after a grace
      // period; the rules go now.
      if (e.HostComputeNamespace) {
        this.linux!.dropResolvConf(netnsName(e.HostComputeNamespace));
        this.reaper.detached(this.pendingVeth(e, netnsName(e.HostComputeNamespace)));
      }
      if (e.HostComputeNetwork) await this.reaper.removeRules({ net: e.HostComputeNetwork, ep: e.ID! });
    }
    await this.save();
  }
  async enumerateEndpoints(query: unknown): Promise<HostComputeEndpointDoc[]> {
    const f = filterOf('HcnEnumerateEndpoints', query);
    const vn = f.VirtualNetwork ?? f.HostComputeNetwork;
    return this.st.endpoints.filter((e) => (f.ID === undefined || eq(e.ID, f.ID)) && (f.Name === undefined || e.Name === f.Name)
      && (vn === undefined || eq(e.HostComputeNetwork, vn)));
  }
}
