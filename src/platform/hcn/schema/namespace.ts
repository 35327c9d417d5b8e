/** HostComputeNamespace (hcsshim hcn/hcnnamespace.go). */
import { object, array, str, bool, uint32, any, literal, type Infer } from '../../schema.js';
import { baseFields, HcnRequestType, refine } from './common.js';

/** Host (a compartment on the host), HostDefault (the host's default compartment), Guest, GuestDefault. */
export const NamespaceType = literal('Host', 'HostDefault', 'Guest', 'GuestDefault');
export type NamespaceTypeDoc = Infer<typeof NamespaceType>;
export const NamespaceResourceType = literal('Container', 'Endpoint');
export type NamespaceResourceTypeDoc = Infer<typeof NamespaceResourceType>;

export const NamespaceResourceEndpoint = object('NamespaceResourceEndpoint', { ID: str });
export type NamespaceResourceEndpointDoc = Infer<typeof NamespaceResourceEndpoint>;
export const NamespaceResourceContainer = object('NamespaceResourceContainer', { ID: str });
export type NamespaceResourceContainerDoc = Infer<typeof NamespaceResourceContainer>;

const NamespaceResourceShape = object('NamespaceResource', { Type: NamespaceResourceType, Data: any });
/** A resource in a namespace as queries return it: {Type, Data: {ID}}. */
export const NamespaceResource = refine(NamespaceResourceShape, (r) => {
  if (r.Data == null) return undefined;
  const s = r.Type === 'Container' ? NamespaceResourceContainer : NamespaceResourceEndpoint;
  const p = s.check(r.Data, 'Data');
  return p ? { field: p.path, message: p.message } : undefined;
});
export type NamespaceResourceDoc = { Type?: NamespaceResourceTypeDoc; Data?: NamespaceResourceEndpointDoc | NamespaceResourceContainerDoc };

export const HostComputeNamespace = object('HostComputeNamespace', {
  ...baseFields,
  /** Network compartment ID. */
  NamespaceId: uint32,
  NamespaceGuid: str,
  Type: NamespaceType,
  Resources: array(NamespaceResource),
  /** HNS ≥ 15.2: the compartment is ready without a pause container. */
  ReadyOnCreate: bool,
});
export type HostComputeNamespaceDoc = Omit<Infer<typeof HostComputeNamespace>, 'Resources'> & { Resources?: NamespaceResourceDoc[] };

/** Settings of a namespace modify request with ResourceType "Endpoint" (note: EndpointId, not ID). */
export const NamespaceEndpointRequest = object('NamespaceEndpointRequest', { EndpointId: str });
export type NamespaceEndpointRequestDoc = Infer<typeof NamespaceEndpointRequest>;
/** Settings of a namespace modify request with ResourceType "Container". */
export const NamespaceContainerRequest = object('NamespaceContainerRequest', { ContainerId: str });
export type NamespaceContainerRequestDoc = Infer<typeof NamespaceContainerRequest>;

const ModifyNamespaceSettingRequestShape = object('ModifyNamespaceSettingRequest', {
  ResourceType: NamespaceResourceType,
  RequestType: HcnRequestType,
  Settings: any,
});
/** HcnModifyNamespace request; Settings are checked against the request type for ResourceType. */
export const ModifyNamespaceSettingRequest = refine(ModifyNamespaceSettingRequestShape, (r) => {
  if (r.Settings == null) return undefined;
  const s = r.ResourceType === 'Container' ? NamespaceContainerRequest : NamespaceEndpointRequest;
  const p = s.check(r.Settings, 'Settings');
  return p ? { field: p.path, message: p.message } : undefined;
});
export type ModifyNamespaceSettingRequestDoc = Omit<Infer<typeof ModifyNamespaceSettingRequestShape>, 'Settings'> & {
  Settings?: NamespaceEndpointRequestDoc | NamespaceContainerRequestDoc;
};
