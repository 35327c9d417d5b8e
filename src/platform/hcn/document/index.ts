/** HCN document builders (pure). */
export { buildNamespace, buildNamespaceEndpointRequest, buildIdQuery } from './namespace.js';
export {
  buildNatNetwork, buildOverlayNetwork, buildL2BridgeNetwork, buildFilterQuery, networkGateway, networkSubnet,
  networkVni, networkPolicySettings,
} from './network.js';
export { buildEndpoint, overlayMacAddress } from './endpoint.js';
export {
  protocolNumber, portMappingPolicy, outboundNatPolicy, sdnRoutePolicy, providerAddressPolicy,
  remoteSubnetRoutePolicy, vxlanPortPolicy, netAdapterNamePolicy, vsidPolicy, buildNetworkPolicyRequest,
} from './policy.js';
export { parseEndpointStats, type EndpointCounters } from './endpoint-stats.js';
