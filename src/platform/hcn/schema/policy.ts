/**
 * HCN policies: `{Type, Settings}` where the Settings document depends on Type (hcsshim hcn/hcnpolicy.go).
 * Known settings types are validated strictly; policy types whose settings wincri does not model are accepted
 * with any Settings object.
 */
import { object, array, str, bool, uint16, uint32, int64, any, literal, type Schema, type Infer } from '../../schema.js';

export const EndpointPolicyType = literal(
  'PortMapping', 'ACL', 'QOS', 'L2Driver', 'OutBoundNAT', 'SDNRoute', 'L4Proxy', 'L4WFPPROXY', 'PortName',
  'EncapOverhead', 'Iov', 'ProviderAddress', 'InterfaceConstraint', 'TierAcl', 'Encryption', 'VLAN',
  'InterfaceParameters');
export type EndpointPolicyTypeDoc = Infer<typeof EndpointPolicyType>;
export const NetworkPolicyType = literal(
  'SourceMacAddress', 'NetAdapterName', 'VSwitchExtension', 'DrMacAddress', 'AutomaticDNS', 'InterfaceConstraint',
  'ProviderAddress', 'RemoteSubnetRoute', 'VxlanPort', 'HostRoute', 'SetPolicy', 'L4Proxy', 'LayerConstraint',
  'NetworkACL');
export type NetworkPolicyTypeDoc = Infer<typeof NetworkPolicyType>;
export const SubnetPolicyType = literal('VLAN', 'VSID');
export type SubnetPolicyTypeDoc = Infer<typeof SubnetPolicyType>;

/** NatFlags: 0 None, 1 LocalRoutedVip, 2 IPv6. */
export const NatFlags = { None: 0, LocalRoutedVip: 1, IPv6: 2 } as const;
/** IANA protocol numbers HNS uses. */
export const ProtocolType = { Unknown: 0, ICMPv4: 1, IGMP: 2, TCP: 6, UDP: 17, ICMPv6: 58 } as const;

export const PortMappingPolicySetting = object('PortMappingPolicySetting', {
  Protocol: uint32, InternalPort: uint16, ExternalPort: uint16, VIP: str, Flags: uint32,
});
export type PortMappingPolicySettingDoc = Infer<typeof PortMappingPolicySetting>;

export const ActionType = literal('Allow', 'Block', 'Pass');
export const DirectionType = literal('In', 'Out');
export const RuleType = literal('Host', 'Switch');
const aclFields = {
  Id: str,
  Protocols: str,
  Action: ActionType,
  Direction: DirectionType,
  LocalAddresses: str,
  RemoteAddresses: str,
  LocalPorts: str,
  RemotePorts: str,
  RuleType: RuleType,
  Priority: uint16,
};
export const AclPolicySetting = object('AclPolicySetting', aclFields);
export type AclPolicySettingDoc = Infer<typeof AclPolicySetting>;
export const NetworkACLPolicySetting = object('NetworkACLPolicySetting', aclFields);
export type NetworkACLPolicySettingDoc = Infer<typeof NetworkACLPolicySetting>;

export const QosPolicySetting = object('QosPolicySetting', { MaximumOutgoingBandwidthInBytes: int64 });
export const OutboundNatPolicySetting = object('OutboundNatPolicySetting', {
  VirtualIP: str, Exceptions: array(str), Destinations: array(str), Flags: uint32, MaxPortPoolUsage: uint16,
});
export type OutboundNatPolicySettingDoc = Infer<typeof OutboundNatPolicySetting>;
export const SDNRoutePolicySetting = object('SDNRoutePolicySetting', {
  DestinationPrefix: str, NextHop: str, NeedEncap: bool, AutomaticEndpointMonitor: bool,
});
export type SDNRoutePolicySettingDoc = Infer<typeof SDNRoutePolicySetting>;
export const L4ProxyPolicySetting = object('L4ProxyPolicySetting', {
  IP: str, Port: str, Protocol: uint32, Exceptions: array(str), ExceptionList: array(str), Destination: str,
  OutboundNAT: bool,
});
export type L4ProxyPolicySettingDoc = Infer<typeof L4ProxyPolicySetting>;
export const FiveTuple = object('FiveTuple', {
  Protocols: str, LocalAddresses: str, RemoteAddresses: str, LocalPorts: str, RemotePorts: str, Priority: uint16,
});
export const ProxyExceptions = object('ProxyExceptions', { IpAddressExceptions: array(str), PortExceptions: array(str) });
export const L4WfpProxyPolicySetting = object('L4WfpProxyPolicySetting', {
  InboundProxyPort: str, OutboundProxyPort: str, FilterTuple: FiveTuple, UserSID: str,
  InboundExceptions: ProxyExceptions, OutboundExceptions: ProxyExceptions,
});
export const PortnameEndpointPolicySetting = object('PortnameEndpointPolicySetting', { Name: str });
export const EncapOverheadEndpointPolicySetting = object('EncapOverheadEndpointPolicySetting', { Overhead: uint16 });
export const IovPolicySetting = object('IovPolicySetting', {
  IovOffloadWeight: uint32, QueuePairsRequested: uint32, InterruptModeration: uint32,
});
export const ProviderAddressPolicySetting = object('ProviderAddressPolicySetting', { ProviderAddress: str });
export const InterfaceConstraintPolicySetting = object('InterfaceConstraintPolicySetting', {
  InterfaceGuid: str, InterfaceLuid: int64, InterfaceIndex: uint32, InterfaceMediaType: uint32,
  InterfaceAlias: str, InterfaceDescription: str,
});
export const TierAclRule = object('TierAclRule', {
  Id: str, Protocols: str, TierAclRuleAction: ActionType, LocalAddresses: str, RemoteAddresses: str,
  LocalPorts: str, RemotePorts: str, Priority: uint16,
});
export const TierAclPolicySetting = object('TierAclPolicySetting', {
  Name: str, Direction: DirectionType, Order: uint16, TierAclRules: array(TierAclRule),
});
export const InterfaceParametersPolicySetting = object('InterfaceParametersPolicySetting', { Mtu: uint32 });

export const SourceMacAddressNetworkPolicySetting = object('SourceMacAddressNetworkPolicySetting', { SourceMacAddress: str });
export const NetAdapterNameNetworkPolicySetting = object('NetAdapterNameNetworkPolicySetting', { NetworkAdapterName: str });
export const VSwitchExtensionNetworkPolicySetting = object('VSwitchExtensionNetworkPolicySetting', { ExtensionID: str, Enable: bool });
export const DrMacAddressNetworkPolicySetting = object('DrMacAddressNetworkPolicySetting', { Address: str });
export const AutomaticDNSNetworkPolicySetting = object('AutomaticDNSNetworkPolicySetting', { Enable: bool });
export const LayerConstraintNetworkPolicySetting = object('LayerConstraintNetworkPolicySetting', { LayerId: str });
export const RemoteSubnetRoutePolicySetting = object('RemoteSubnetRoutePolicySetting', {
  DestinationPrefix: str, IsolationId: uint32, ProviderAddress: str, DistributedRouterMacAddress: str,
});
export type RemoteSubnetRoutePolicySettingDoc = Infer<typeof RemoteSubnetRoutePolicySetting>;
export const SetPolicySetting = object('SetPolicySetting', {
  Id: str, Name: str, PolicyType: literal('IPSET', 'NESTEDIPSET'), Values: str,
});
export const VxlanPortPolicySetting = object('VxlanPortPolicySetting', { Port: uint16 });
export const HostRoutePolicySetting = object('HostRoutePolicySetting', {});
export const IsolationIdPolicySetting = object('IsolationIdPolicySetting', { IsolationId: uint32 });

const ANY_SETTINGS = object('PolicySettings', {}, { allowUnknown: true });

/** `{Type, Settings}` with Settings checked against the schema registered for Type. */
function policy<T extends string>(
  name: string, type: Schema<T>, settings: Partial<Record<T, Schema<unknown>>>,
): Schema<{ Type: T; Settings?: unknown }> {
  const shape = object(name, { Type: type, Settings: any });
  return {
    kind: 'object',
    describe: name,
    check(v, p) {
      const r = shape.check(v, p);
      if (r) return r;
      const doc = v as { Type?: T; Settings?: unknown };
      const at = (f: string) => (p ? `${p}.${f}` : f);
      if (doc.Type === undefined || doc.Type === null) {
        return { path: at('Type'), message: `required field "Type" of ${name} is missing` };
      }
      if (doc.Settings === undefined || doc.Settings === null) return undefined;
      return (settings[doc.Type] ?? ANY_SETTINGS).check(doc.Settings, at('Settings'));
    },
  };
}

export const EndpointPolicy = policy('EndpointPolicy', EndpointPolicyType, {
  PortMapping: PortMappingPolicySetting,
  ACL: AclPolicySetting,
  QOS: QosPolicySetting,
  OutBoundNAT: OutboundNatPolicySetting,
  SDNRoute: SDNRoutePolicySetting,
  L4Proxy: L4ProxyPolicySetting,
  L4WFPPROXY: L4WfpProxyPolicySetting,
  PortName: PortnameEndpointPolicySetting,
  EncapOverhead: EncapOverheadEndpointPolicySetting,
  Iov: IovPolicySetting,
  ProviderAddress: ProviderAddressPolicySetting,
  InterfaceConstraint: InterfaceConstraintPolicySetting,
  TierAcl: TierAclPolicySetting,
  VLAN: IsolationIdPolicySetting,
  InterfaceParameters: InterfaceParametersPolicySetting,
});
export type EndpointPolicyDoc = Infer<typeof EndpointPolicy>;

export const NetworkPolicy = policy('NetworkPolicy', NetworkPolicyType, {
  SourceMacAddress: SourceMacAddressNetworkPolicySetting,
  NetAdapterName: NetAdapterNameNetworkPolicySetting,
  VSwitchExtension: VSwitchExtensionNetworkPolicySetting,
  DrMacAddress: DrMacAddressNetworkPolicySetting,
  AutomaticDNS: AutomaticDNSNetworkPolicySetting,
  InterfaceConstraint: InterfaceConstraintPolicySetting,
  ProviderAddress: ProviderAddressPolicySetting,
  RemoteSubnetRoute: RemoteSubnetRoutePolicySetting,
  VxlanPort: VxlanPortPolicySetting,
  HostRoute: HostRoutePolicySetting,
  SetPolicy: SetPolicySetting,
  L4Proxy: L4ProxyPolicySetting,
  LayerConstraint: LayerConstraintNetworkPolicySetting,
  NetworkACL: NetworkACLPolicySetting,
});
export type NetworkPolicyDoc = Infer<typeof NetworkPolicy>;

export const SubnetPolicy = policy('SubnetPolicy', SubnetPolicyType, {
  VLAN: IsolationIdPolicySetting,
  VSID: IsolationIdPolicySetting,
});
export type SubnetPolicyDoc = Infer<typeof SubnetPolicy>;

/** Settings of ModifyEndpointSettingRequest with ResourceType "Policy". */
export const PolicyEndpointRequest = object('PolicyEndpointRequest', { Policies: array(EndpointPolicy) });
export type PolicyEndpointRequestDoc = Infer<typeof PolicyEndpointRequest>;
/** Settings of ModifyNetworkSettingRequest with ResourceType "Policy". */
export const PolicyNetworkRequest = object('PolicyNetworkRequest', { Policies: array(NetworkPolicy) });
export type PolicyNetworkRequestDoc = Infer<typeof PolicyNetworkRequest>;
