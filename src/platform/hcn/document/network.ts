/** HCN network documents for the CNI network modes (nat / overlay / l2bridge). */
import type { HostComputeNetworkDoc, NetworkPolicyDoc, SubnetPolicyDoc, HcnQueryDoc } from '../schema/index.js';
import { NetworkFlags } from '../schema/index.js';
import { vsidPolicy, vxlanPortPolicy, netAdapterNamePolicy, providerAddressPolicy } from './policy.js';

const V2 = { Major: 2, Minor: 0 } as const;

/**
 * One static subnet whose gateway is the NextHop of its 0.0.0.0/0 route (hcsshim's Create() requires the
 * default route, it is how a network expresses its gateway).
 */
function staticIpam(prefix: string, gateway: string, policies?: SubnetPolicyDoc[]): HostComputeNetworkDoc['Ipams'] {
  const subnet: NonNullable<HostComputeNetworkDoc['Ipams']>[number]['Subnets'] = [{
    IpAddressPrefix: prefix,
    Routes: [{ NextHop: gateway, DestinationPrefix: '0.0.0.0/0' }],
  }];
  if (policies && policies.length) subnet![0]!.Policies = policies;
  return [{ Type: 'Static', Subnets: subnet }];
}

/** WinNAT network: internal vSwitch + NAT on `subnet`, gateway (usually subnet+1) on the host vNIC. */
export function buildNatNetwork(o: { name: string; subnet: string; gateway: string; policies?: NetworkPolicyDoc[] }): HostComputeNetworkDoc {
  const doc: HostComputeNetworkDoc = { SchemaVersion: { ...V2 }, Name: o.name, Type: 'NAT', Ipams: staticIpam(o.subnet, o.gateway) };
  if (o.policies && o.policies.length) doc.Policies = [...o.policies];
  return doc;
}

/**
 * VXLAN overlay network (flannel vxlan backend shape): the node's pod CIDR as subnet with a VSID policy = VNI,
 * EnableNonPersistent, a VxlanPort policy, optionally the adapter and provider address.
 */
export function buildOverlayNetwork(o: {
  name: string; subnet: string; gateway: string; vni: number; vxlanPort?: number; adapterName?: string;
  providerAddress?: string; policies?: NetworkPolicyDoc[];
}): HostComputeNetworkDoc {
  const policies: NetworkPolicyDoc[] = [];
  if (o.adapterName) policies.push(netAdapterNamePolicy(o.adapterName));
  if (o.vxlanPort !== undefined) policies.push(vxlanPortPolicy(o.vxlanPort));
  if (o.providerAddress) policies.push(providerAddressPolicy(o.providerAddress));
  if (o.policies) policies.push(...o.policies);
  const doc: HostComputeNetworkDoc = {
    SchemaVersion: { ...V2 }, Name: o.name, Type: 'Overlay', Flags: NetworkFlags.EnableNonPersistent,
    Ipams: staticIpam(o.subnet, o.gateway, [vsidPolicy(o.vni)]),
  };
  if (policies.length) doc.Policies = policies;
  return doc;
}

/** L2Bridge network on a host adapter: the adapter's (or node pod) subnet with its router as gateway. */
export function buildL2BridgeNetwork(o: { name: string; subnet: string; gateway: string; adapterName?: string; policies?: NetworkPolicyDoc[] }): HostComputeNetworkDoc {
  const policies: NetworkPolicyDoc[] = [];
  if (o.adapterName) policies.push(netAdapterNamePolicy(o.adapterName));
  if (o.policies) policies.push(...o.policies);
  const doc: HostComputeNetworkDoc = { SchemaVersion: { ...V2 }, Name: o.name, Type: 'L2Bridge', Ipams: staticIpam(o.subnet, o.gateway) };
  if (policies.length) doc.Policies = policies;
  return doc;
}

/** HcnQuery with a Filter (JSON text), e.g. {Name}, {VirtualNetwork} for the endpoints of a network. */
export function buildFilterQuery(filter: Record<string, unknown>): HcnQueryDoc {
  return { SchemaVersion: { ...V2 }, Flags: 0, Filter: JSON.stringify(filter) };
}

/** The gateway of a network: NextHop of the first subnet's default route. */
export function networkGateway(n: HostComputeNetworkDoc): string | undefined {
  for (const ipam of n.Ipams ?? []) for (const s of ipam.Subnets ?? []) {
    const r = (s.Routes ?? []).find((x) => x.DestinationPrefix === '0.0.0.0/0' && x.NextHop);
    if (r) return r.NextHop;
  }
  return undefined;
}

/** The first subnet prefix of a network. */
export function networkSubnet(n: HostComputeNetworkDoc): string | undefined {
  for (const ipam of n.Ipams ?? []) for (const s of ipam.Subnets ?? []) if (s.IpAddressPrefix) return s.IpAddressPrefix;
  return undefined;
}

/** VNI of an overlay network (VSID subnet policy), if any. */
export function networkVni(n: HostComputeNetworkDoc): number | undefined {
  for (const ipam of n.Ipams ?? []) for (const s of ipam.Subnets ?? []) for (const p of s.Policies ?? []) {
    const id = (p.Settings as { IsolationId?: number } | undefined)?.IsolationId;
    if (p.Type === 'VSID' && typeof id === 'number') return id;
  }
  return undefined;
}

/** Settings of the first network policy of `type`. */
export function networkPolicySettings<T = Record<string, unknown>>(n: HostComputeNetworkDoc, type: string): T | undefined {
  return (n.Policies ?? []).find((p) => p.Type === type)?.Settings as T | undefined;
}
