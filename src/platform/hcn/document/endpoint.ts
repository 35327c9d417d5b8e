/** HCN endpoint documents created by the CNI plugin. */
import type { HostComputeEndpointDoc, EndpointPolicyDoc, DnsDoc, RouteDoc } from '../schema/index.js';

/**
 * An endpoint on `networkId`. Without `ip` HNS allocates the address from the network's subnet. Routes: the
 * default route via `gateway` first, then `routes`. Namespace membership is never part of the create document
 * (HostComputeNamespace is read-only); attach with buildNamespaceEndpointRequest.
 */
export function buildEndpoint(o: {
  name: string; networkId: string; ip?: string; prefixLength?: number; gateway?: string; routes?: RouteDoc[];
  dns?: DnsDoc; macAddress?: string; policies?: EndpointPolicyDoc[];
}): HostComputeEndpointDoc {
  const doc: HostComputeEndpointDoc = { SchemaVersion: { Major: 2, Minor: 0 }, Name: o.name, HostComputeNetwork: o.networkId };
  if (o.ip) {
    doc.IpConfigurations = [o.prefixLength !== undefined ? { IpAddress: o.ip, PrefixLength: o.prefixLength } : { IpAddress: o.ip }];
  }
  const routes: RouteDoc[] = [];
  if (o.gateway) routes.push({ NextHop: o.gateway, DestinationPrefix: '0.0.0.0/0' });
  if (o.routes) routes.push(...o.routes);
  if (routes.length) doc.Routes = routes;
  if (o.dns && (o.dns.ServerList?.length || o.dns.Search?.length || o.dns.Domain || o.dns.Options?.length)) doc.Dns = o.dns;
  if (o.macAddress) doc.MacAddress = o.macAddress;
  if (o.policies && o.policies.length) doc.Policies = [...o.policies];
  return doc;
}

/** Overlay endpoint MAC: a two-byte prefix (default 0E-2A) followed by the four IPv4 octets, dash separated. */
export function overlayMacAddress(ip: string, prefix = '0E-2A'): string {
  const octets = ip.split('.').map((x) => Number(x).toString(16).padStart(2, '0').toUpperCase());
  return [...prefix.toUpperCase().split('-'), ...octets].join('-');
}
