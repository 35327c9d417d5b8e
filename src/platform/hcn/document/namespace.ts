/** HCN namespace documents for pods. */
import type { HostComputeNamespaceDoc, ModifyNamespaceSettingRequestDoc, HcnQueryDoc } from '../schema/index.js';

/**
 * A pod's network namespace: a new compartment on the host, Type "Host" (hcsshim NamespaceTypeHost;
 * "HostDefault" is the host's own default compartment, "Guest"/"GuestDefault" live inside a utility VM).
 * SchemaVersion 2.0 as hcsshim's NewNamespace sends. ReadyOnCreate is left out: it is decided by the HNS
 * version (≥ 15.2), which the caller knows and this pure builder does not; pass it when wanted.
 */
export function buildNamespace(opts: { readyOnCreate?: boolean } = {}): HostComputeNamespaceDoc {
  const doc: HostComputeNamespaceDoc = { SchemaVersion: { Major: 2, Minor: 0 }, Type: 'Host' };
  if (opts.readyOnCreate) doc.ReadyOnCreate = true;
  return doc;
}

/** HcnModifyNamespace request attaching (Add) or detaching (Remove) an endpoint: Settings {EndpointId}. */
export function buildNamespaceEndpointRequest(endpointId: string, requestType: 'Add' | 'Remove'): ModifyNamespaceSettingRequestDoc {
  return { ResourceType: 'Endpoint', RequestType: requestType, Settings: { EndpointId: endpointId } };
}

/** HcnQuery for one object by id (Filter is JSON text, as hcsshim builds it). */
export function buildIdQuery(id: string): HcnQueryDoc {
  return { SchemaVersion: { Major: 2, Minor: 0 }, Flags: 0, Filter: JSON.stringify({ ID: id }) };
}
