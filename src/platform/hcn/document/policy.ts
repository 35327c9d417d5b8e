/**
 * HCN policy documents `{Type, Settings}` (hcsshim hcn/hcnpolicy.go field names). Pure builders; values are
 * validated by the HCN schemas when a service receives them.
 */
import type {
  EndpointPolicyDoc, NetworkPolicyDoc, SubnetPolicyDoc, PortMappingPolicySettingDoc, OutboundNatPolicySettingDoc,
  SDNRoutePolicySettingDoc, RemoteSubnetRoutePolicySettingDoc, ModifyNetworkSettingRequestDoc,
} from '../schema/index.js';
import { ProtocolType, NatFlags } from '../schema/index.js';

/** CNI / Kubernetes protocol names → the IANA numbers PortMapping.Protocol carries. SCTP has none in HNS. */
export function protocolNumber(name: string): number | undefined {
  switch (name.toLowerCase()) {
    case 'tcp': return ProtocolType.TCP;
    case 'udp': return ProtocolType.UDP;
    case 'icmpv4': return ProtocolType.ICMPv4;
    case 'igmp': return ProtocolType.IGMP;
    case 'icmpv6': return ProtocolType.ICMPv6;
    default: return undefined;
  }
}

/** PortMapping endpoint policy (a hostPort). `vip` binds the mapping to one host address. */
export function portMappingPolicy(m: { protocol: number; internalPort: number; externalPort: number; vip?: string; localRoutedVip?: boolean }): EndpointPolicyDoc {
  const s: PortMappingPolicySettingDoc = { Protocol: m.protocol, InternalPort: m.internalPort, ExternalPort: m.externalPort };
  if (m.vip) s.VIP = m.vip;
  if (m.localRoutedVip) s.Flags = NatFlags.LocalRoutedVip;
  return { Type: 'PortMapping', Settings: s };
}

/** OutBoundNAT endpoint policy: SNAT to the host except for the `exceptions` CIDRs. */
export function outboundNatPolicy(o: { exceptions?: string[]; virtualIp?: string; destinations?: string[] }): EndpointPolicyDoc {
  const s: OutboundNatPolicySettingDoc = {};
  if (o.virtualIp) s.VirtualIP = o.virtualIp;
  if (o.exceptions && o.exceptions.length) s.Exceptions = [...o.exceptions];
  if (o.destinations && o.destinations.length) s.Destinations = [...o.destinations];
  return { Type: 'OutBoundNAT', Settings: s };
}

/** SDNRoute endpoint policy; NeedEncap sends matching traffic up to the host / vSwitch (service CIDR, node IP). */
export function sdnRoutePolicy(destinationPrefix: string, needEncap = true, nextHop?: string): EndpointPolicyDoc {
  const s: SDNRoutePolicySettingDoc = { DestinationPrefix: destinationPrefix, NeedEncap: needEncap };
  if (nextHop) s.NextHop = nextHop;
  return { Type: 'SDNRoute', Settings: s };
}

/** ProviderAddress policy (endpoint or network): the node's underlay (PA) address. */
export function providerAddressPolicy(address: string): EndpointPolicyDoc & NetworkPolicyDoc {
  return { Type: 'ProviderAddress', Settings: { ProviderAddress: address } };
}

/** RemoteSubnetRoute network policy: remote pod CIDR → remote node PA on VNI `isolationId`. */
export function remoteSubnetRoutePolicy(r: { destinationPrefix: string; providerAddress: string; isolationId: number; drMacAddress?: string }): NetworkPolicyDoc {
  const s: RemoteSubnetRoutePolicySettingDoc = {
    DestinationPrefix: r.destinationPrefix, IsolationId: r.isolationId, ProviderAddress: r.providerAddress,
  };
  if (r.drMacAddress) s.DistributedRouterMacAddress = r.drMacAddress;
  return { Type: 'RemoteSubnetRoute', Settings: s };
}

export function vxlanPortPolicy(port: number): NetworkPolicyDoc {
  return { Type: 'VxlanPort', Settings: { Port: port } };
}

export function netAdapterNamePolicy(name: string): NetworkPolicyDoc {
  return { Type: 'NetAdapterName', Settings: { NetworkAdapterName: name } };
}

/** Subnet VSID policy carrying the VXLAN network identifier. */
export function vsidPolicy(vni: number): SubnetPolicyDoc {
  return { Type: 'VSID', Settings: { IsolationId: vni } };
}

/** HcnModifyNetwork request adding or removing network policies (Settings = PolicyNetworkRequest). */
export function buildNetworkPolicyRequest(requestType: 'Add' | 'Remove', policies: NetworkPolicyDoc[]): ModifyNetworkSettingRequestDoc {
  return { ResourceType: 'Policy', RequestType: requestType, Settings: { Policies: policies } };
}
