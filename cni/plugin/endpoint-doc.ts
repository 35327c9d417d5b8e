/** The HNS endpoint document an ADD creates: DNS, mode policies (port mappings, NAT, routes, PA), address, MAC. */
import type { HostComputeEndpointDoc, HostComputeNetworkDoc, EndpointPolicyDoc, DnsDoc } from '../../src/platform/hcn/schema/index.js';
import {
  buildEndpoint, overlayMacAddress, portMappingPolicy, outboundNatPolicy, sdnRoutePolicy, providerAddressPolicy,
  protocolNumber, networkSubnet, networkPolicySettings,
} from '../../src/platform/hcn/document/index.js';
import { CniError, CNI_ERR } from './errors.js';
import type { NetConf } from './config.js';

/** The part of the CNI environment the document reads. */
export interface EndpointEnv { args: Map<string, string> }

/** The endpoint's DNS: the configured servers and options; search domains with {%namespace%} filled in. */
export function endpointDns(conf: NetConf, env: EndpointEnv): DnsDoc {
  const ns = env.args.get('K8S_POD_NAMESPACE') ?? '';
  const search = conf.dns.search.map((s) => s.replace(/\{%namespace%\}/g, ns)).filter((s) => s && !s.startsWith('.'));
  const d: DnsDoc = {};
  if (conf.dns.nameservers.length) d.ServerList = [...conf.dns.nameservers];
  if (search.length) d.Search = search;
  if (conf.dns.domain) d.Domain = conf.dns.domain;
  if (conf.dns.options.length) d.Options = [...conf.dns.options];
  return d;
}

function portPolicies(conf: NetConf): EndpointPolicyDoc[] {
  return conf.portMappings.map((m) => {
    const protocol = protocolNumber(m.protocol);
    if (protocol === undefined || (protocol !== 6 && protocol !== 17)) {
      throw new CniError(CNI_ERR.UnsupportedField, `runtimeConfig.portMappings: protocol "${m.protocol}" is not supported by HNS port mappings (tcp, udp)`);
    }
    return portMappingPolicy({
      protocol, internalPort: m.containerPort, externalPort: m.hostPort, vip: m.hostIP,
      localRoutedVip: conf.localRoutedPortMapping || conf.eks !== undefined,
    });
  });
}

/**
 * Mode-specific endpoint policies (HNS v2 names: PortMapping, OutBoundNAT, SDNRoute, ProviderAddress), then the
 * configured ones. Throws the CNI error of a configuration they cannot be built from (before any address is taken).
 */
export function endpointPolicies(conf: NetConf, network: HostComputeNetworkDoc): EndpointPolicyDoc[] {
  const policies = portPolicies(conf);
  if (conf.mode === 'overlay' || conf.mode === 'l2bridge') {
    const exceptions = [...conf.clusterCIDRs, ...conf.serviceCIDRs, ...conf.outboundNatExceptions];
    if (conf.mode === 'l2bridge') {
      const s = networkSubnet(network) ?? conf.subnet?.text;
      if (s && !exceptions.includes(s)) exceptions.push(s);
    }
    policies.push(outboundNatPolicy({ exceptions: [...new Set(exceptions)] }));
    for (const c of conf.serviceCIDRs) policies.push(sdnRoutePolicy(c, true));
    if (conf.mode === 'l2bridge' && conf.nodeIP) policies.push(sdnRoutePolicy(`${conf.nodeIP}/32`, true));
  }
  if (conf.mode === 'overlay') {
    const pa = conf.providerAddress ?? networkPolicySettings<{ ProviderAddress?: string }>(network, 'ProviderAddress')?.ProviderAddress;
    if (!pa) {
      throw new CniError(CNI_ERR.TryAgainLater,
        `overlay network "${conf.networkName}" has no provider address yet and the configuration sets no providerAddress`);
    }
    policies.push(providerAddressPolicy(pa));
  }
  policies.push(...conf.endpointPolicies);
  return policies;
}

/** Where the endpoint sits: its name, network, and the address IPAM gave it (none: HNS assigns one). */
export interface EndpointPlace {
  name: string;
  networkId: string;
  ip?: string;
  prefix?: number;
  gateway?: string;
}

/** The endpoint document: routes other than the default one (next hop: the gateway when unset), DNS, overlay MAC. */
export function endpointDocument(conf: NetConf, env: EndpointEnv, place: EndpointPlace, policies: EndpointPolicyDoc[]): HostComputeEndpointDoc {
  const { name, networkId, ip, prefix, gateway } = place;
  return buildEndpoint({
    name, networkId, ip, prefixLength: prefix, gateway,
    routes: [...conf.ipam.routes, ...conf.additionalRoutes].filter((r) => r.dst !== '0.0.0.0/0')
      .map((r) => ({ DestinationPrefix: r.dst, NextHop: r.gw ?? gateway ?? '' })),
    dns: endpointDns(conf, env),
    macAddress: conf.mode === 'overlay' && ip ? overlayMacAddress(ip, conf.endpointMacPrefix) : undefined,
    policies,
  });
}
