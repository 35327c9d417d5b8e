/** HostComputeEndpoint (hcsshim hcn/hcnendpoint.go). */
import { object, array, str, uint32, any, literal, type Infer } from '../../schema.js';
import { baseFields, Dns, IpConfig, Route, HcnRequestType, refine } from './common.js';
import { EndpointPolicy, PolicyEndpointRequest } from './policy.js';

/** EndpointFlags bitmask. */
export const EndpointFlags = {
  None: 0, RemoteEndpoint: 1, DisableInterComputeCommunication: 2, EnableMirroring: 4,
  EnableLowInterfaceMetric: 8, OverrideDNSServerOrder: 16, EnableDhcp: 32,
} as const;

export const HostComputeEndpoint = object('HostComputeEndpoint', {
  ...baseFields,
  /** Network GUID; required on create. */
  HostComputeNetwork: str,
  /** Namespace GUID the endpoint is attached to (read-only). */
  HostComputeNamespace: str,
  Policies: array(EndpointPolicy),
  IpConfigurations: array(IpConfig),
  Dns: Dns,
  Routes: array(Route),
  /** Dash-separated, e.g. 00-15-5D-52-C0-00. */
  MacAddress: str,
  Flags: uint32,
});
export type HostComputeEndpointDoc = Infer<typeof HostComputeEndpoint>;

export const EndpointResourceType = literal('Policy', 'Port');
const ModifyEndpointSettingRequestShape = object('ModifyEndpointSettingRequest', {
  ResourceType: EndpointResourceType,
  RequestType: HcnRequestType,
  Settings: any,
});
/** HcnModifyEndpoint request; for ResourceType "Policy" the Settings are a PolicyEndpointRequest. */
export const ModifyEndpointSettingRequest = refine(ModifyEndpointSettingRequestShape, (r) => {
  if (r.ResourceType === 'Policy' && r.Settings != null) {
    const p = PolicyEndpointRequest.check(r.Settings, 'Settings');
    if (p) return { field: p.path, message: p.message };
  }
  return undefined;
});
export type ModifyEndpointSettingRequestDoc = Infer<typeof ModifyEndpointSettingRequestShape>;
