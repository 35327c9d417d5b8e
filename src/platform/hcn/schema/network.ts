/** HostComputeNetwork (hcsshim hcn/hcnnetwork.go). */
import { object, array, str, uint32, any, literal, type Infer } from '../../schema.js';
import { baseFields, Dns, MacPool, Route, HcnRequestType } from './common.js';
import { NetworkPolicy, SubnetPolicy } from './policy.js';

export const NetworkType = literal(
  'NAT', 'ICS', 'Transparent', 'L2Bridge', 'L2Tunnel', 'Overlay', 'Private', 'Internal', 'Mirrored', 'Infiniband',
  'ConstrainedICS');
export type NetworkTypeDoc = Infer<typeof NetworkType>;

/** NetworkFlags bitmask (numeric on the wire). */
export const NetworkFlags = {
  None: 0, EnableDnsProxy: 1, EnableDhcpServer: 2, EnableMirroring: 4, EnableNonPersistent: 8,
  EnablePersistent: 16, IsolateVSwitch: 32, EnableFlowSteering: 64, DisableSharing: 128, EnableFirewall: 256,
  SuppressMediaDisconnect: 512, DisableHostPort: 1024, WeakHostReceiveAdapter: 2048,
  WeakHostSendAdapter: 4096, EnableIov: 8192,
} as const;

export const Subnet = object('Subnet', {
  /** CIDR. */
  IpAddressPrefix: str,
  Policies: array(SubnetPolicy),
  /** The gateway is the NextHop of the 0.0.0.0/0 (or ::/0) route. */
  Routes: array(Route),
  IpSubnets: array(any),
  /** SubnetFlags: 0 None, 1 DoNotReserveGatewayAddress. */
  Flags: uint32,
});
export type SubnetDoc = Infer<typeof Subnet>;

export const Ipam = object('Ipam', {
  /** "Static" or "Dhcp". */
  Type: str,
  Subnets: array(Subnet),
});
export type IpamDoc = Infer<typeof Ipam>;

export const HostComputeNetwork = object('HostComputeNetwork', {
  ...baseFields,
  Type: NetworkType,
  Policies: array(NetworkPolicy),
  MacPool: MacPool,
  Dns: Dns,
  Ipams: array(Ipam),
  Flags: uint32,
});
export type HostComputeNetworkDoc = Infer<typeof HostComputeNetwork>;

export const ModifyNetworkSettingRequest = object('ModifyNetworkSettingRequest', {
  ResourceType: literal('Policy', 'DNS', 'Extension'),
  RequestType: HcnRequestType,
  Settings: any,
});
export type ModifyNetworkSettingRequestDoc = Infer<typeof ModifyNetworkSettingRequest>;
