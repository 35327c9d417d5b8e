/**
 * Network configuration of the wincri CNI plugin (the JSON a CNI runtime writes on stdin).
 *
 *   { "cniVersion": "1.1.0", "name": "<network>", "type": "nat" | "overlay" | "l2bridge" | "wincri-cni" (+ "mode"),
 *     "networkName": "<HNS network name, default = name>",
 *     "subnet": "10.4.0.0/24", "gateway": "10.4.0.1",             network subnet and gateway (created if missing)
 *     "ipam": { "type": "" | "hns" | "host-local", "subnet", "rangeStart", "rangeEnd", "gateway",
 *               "ranges": [[{subnet, rangeStart, rangeEnd, gateway}]], "exclude": [ip…], "dataDir", "routes": [{dst, gw}] },
 *     "dns": { "nameservers": [], "search": [], "domain": "", "options": [] },       search may use {%namespace%}
 *     "capabilities": { "portMappings": true, "dns": true, "ipRanges": true },
 *     overlay:  "vni" (≥ 4096, default 4096), "vxlanPort" (default 4789), "providerAddress", "endpointMacPrefix",
 *     overlay/l2bridge: "clusterCIDR", "serviceCIDR" (string or list), "outboundNatExceptions", "networkAdapterName",
 *     l2bridge: "nodeIP" (SDNRoute <nodeIP>/32), "additionalRoutes": [{dst, gw}],
 *               "eks": { "kubeconfig", "annotation" (default vpc.amazonaws.com/PrivateIPv4Address), "timeoutSeconds" },
 *     nat:      "localRoutedPortMapping": bool,
 *     "policies": [{ "name": "EndpointPolicy", "value": { "Type", "Settings" } }],
 *     "runtimeConfig": { "portMappings": [...], "dns": { servers, searches, options }, "ipRanges": [[...]] },
 *     "prevResult": {...} }
 * Parts: the field readers (config-fields.ts), IPAM and EKS (config-ipam.ts), what the runtime passes through the
 * capabilities (config-capabilities.ts); this file checks the rest and assembles the NetConf.
 */
import type { EndpointPolicyDoc, NetworkPolicyDoc } from '../../src/platform/hcn/schema/index.js';
import { CniError, CNI_ERR } from './errors.js';
import { parseCidr, parseIp, intToIp, contains, type Cidr } from './ip.js';
import { isObj, invalid, str, strList, num, routesOf } from './config-fields.js';
import { eksOf, ipamOf, type EksOptions, type Ipam } from './config-ipam.js';
import { dnsOf, portMappingsOf, type Dns, type PortMapping } from './config-capabilities.js';

export type Mode = 'nat' | 'overlay' | 'l2bridge';
export const MODES: readonly Mode[] = ['nat', 'overlay', 'l2bridge'];

export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  mode: Mode;
  networkName: string;
  subnet?: Cidr;
  gateway?: string;
  ipam: Ipam;
  dns: Dns;
  portMappings: PortMapping[];
  vni: number;
  vxlanPort: number;
  providerAddress?: string;
  endpointMacPrefix: string;
  clusterCIDRs: string[];
  serviceCIDRs: string[];
  outboundNatExceptions: string[];
  networkAdapterName?: string;
  nodeIP?: string;
  additionalRoutes: { dst: string; gw?: string }[];
  localRoutedPortMapping: boolean;
  eks?: EksOptions;
  endpointPolicies: EndpointPolicyDoc[];
  networkPolicies: NetworkPolicyDoc[];
  prevResult?: unknown;
  validAttachments?: { containerID: string; ifname: string }[];
  raw: Record<string, unknown>;
}

function policiesOf(v: unknown): { endpoint: EndpointPolicyDoc[]; network: NetworkPolicyDoc[] } {
  const endpoint: EndpointPolicyDoc[] = [];
  const network: NetworkPolicyDoc[] = [];
  if (v === undefined || v === null) return { endpoint, network };
  if (!Array.isArray(v)) throw invalid('policies must be a list');
  v.forEach((p, i) => {
    if (!isObj(p) || typeof p.name !== 'string' || !isObj(p.value) || typeof p.value.Type !== 'string') {
      throw invalid(`policies[${i}] must be {name, value: {Type, Settings}}`);
    }
    const name = p.name.toLowerCase();
    if (name === 'endpointpolicy') endpoint.push(p.value as EndpointPolicyDoc);
    else if (name === 'networkpolicy') network.push(p.value as NetworkPolicyDoc);
    else throw invalid(`policies[${i}].name must be EndpointPolicy or NetworkPolicy`);
  });
  return { endpoint, network };
}

/** Parses and validates stdin. `command` decides which parts are required (ADD needs a usable IPAM setup). */
export function parseNetConf(stdin: string): NetConf {
  let raw: unknown;
  try { raw = JSON.parse(stdin); } catch (e) {
    throw new CniError(CNI_ERR.DecodingFailure, 'error parsing network configuration', (e as Error).message);
  }
  if (!isObj(raw)) throw new CniError(CNI_ERR.DecodingFailure, 'network configuration is not a JSON object');
  const cniVersion = str(raw, 'cniVersion') ?? '0.1.0';
  const name = str(raw, 'name');
  const type = str(raw, 'type');
  if (!name) throw invalid('network name ("name") is required');
  if (!type) throw invalid('plugin type ("type") is required');
  const modeText = type === 'wincri-cni' || type === 'wincri' ? str(raw, 'mode') : type;
  if (!modeText || !(MODES as readonly string[]).includes(modeText)) {
    throw invalid(`unknown mode "${modeText ?? ''}": type must be one of nat, overlay, l2bridge (or "wincri-cni" with "mode")`);
  }
  const mode = modeText as Mode;
  const rc = isObj(raw.runtimeConfig) ? raw.runtimeConfig : {};
  const ipamRaw = raw.ipam === undefined || raw.ipam === null ? {} : raw.ipam;
  if (!isObj(ipamRaw)) throw invalid('ipam must be an object');

  const subnetText = str(raw, 'subnet') ?? str(ipamRaw, 'subnet', 'ipam.');
  const subnet = subnetText !== undefined ? parseCidr(subnetText, 'subnet') : undefined;
  const gateway = str(raw, 'gateway') ?? str(ipamRaw, 'gateway', 'ipam.') ?? (subnet ? intToIp(subnet.network + 1) : undefined);
  if (gateway !== undefined) {
    const g = parseIp(gateway, 'gateway');
    if (subnet && !contains(subnet, g)) throw invalid(`gateway ${gateway} is outside ${subnet.text}`);
  }

  const eks = eksOf(raw.eks, mode === 'l2bridge');
  const ipam = ipamOf(ipamRaw, rc, { eks: eks !== undefined, nat: mode === 'nat', subnet, gateway });

  const dns = dnsOf(raw.dns, rc.dns);

  const vni = num(raw, 'vni', 4096, 1, 16777215);
  if (mode === 'overlay' && vni < 4096) throw invalid('vni must be at least 4096 for Windows overlay networks');
  const pol = policiesOf(raw.policies);
  const validRaw = raw['cni.dev/valid-attachments'];
  let validAttachments: NetConf['validAttachments'];
  if (validRaw !== undefined) {
    if (!Array.isArray(validRaw)) throw invalid('cni.dev/valid-attachments must be a list');
    validAttachments = validRaw.map((a, i) => {
      if (!isObj(a) || typeof a.containerID !== 'string' || typeof a.ifname !== 'string') throw invalid(`cni.dev/valid-attachments[${i}] needs containerID and ifname`);
      return { containerID: a.containerID, ifname: a.ifname };
    });
  }
  const mac = str(raw, 'endpointMacPrefix') ?? '0E-2A';
  if (!/^[0-9a-fA-F]{2}-[0-9a-fA-F]{2}$/.test(mac)) throw invalid('endpointMacPrefix must look like 0E-2A');
  const providerAddress = str(raw, 'providerAddress');
  if (providerAddress !== undefined) parseIp(providerAddress, 'providerAddress');
  const nodeIP = str(raw, 'nodeIP');
  if (nodeIP !== undefined) parseIp(nodeIP, 'nodeIP');
  const cidrs = (k: string) => strList(raw as Record<string, unknown>, k).map((c) => (parseCidr(c, k), c));

  return {
    cniVersion, name, type, mode,
    networkName: str(raw, 'networkName') ?? name,
    subnet, gateway, ipam, dns,
    portMappings: portMappingsOf(rc.portMappings),
    vni,
    vxlanPort: num(raw, 'vxlanPort', 4789, 1, 65535),
    providerAddress,
    endpointMacPrefix: mac,
    clusterCIDRs: cidrs('clusterCIDR'),
    serviceCIDRs: cidrs('serviceCIDR'),
    outboundNatExceptions: cidrs('outboundNatExceptions'),
    networkAdapterName: str(raw, 'networkAdapterName'),
    nodeIP,
    additionalRoutes: routesOf(raw.additionalRoutes, 'additionalRoutes'),
    localRoutedPortMapping: raw.localRoutedPortMapping === true,
    eks,
    endpointPolicies: pol.endpoint,
    networkPolicies: pol.network,
    prevResult: raw.prevResult,
    validAttachments,
    raw,
  };
}
