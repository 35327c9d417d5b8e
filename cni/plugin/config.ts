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
 */
import { platform } from 'node:os';
import { join } from 'node:path';
import type { EndpointPolicyDoc, NetworkPolicyDoc } from '../../src/platform/hcn/schema/index.js';
import { CniError, CNI_ERR } from './errors.js';
import { parseCidr, parseIp, intToIp, contains, type Cidr } from './ip.js';

export type Mode = 'nat' | 'overlay' | 'l2bridge';
export const MODES: readonly Mode[] = ['nat', 'overlay', 'l2bridge'];

export interface PortMapping { hostPort: number; containerPort: number; protocol: string; hostIP?: string }
export interface IpRange { subnet: Cidr; start: number; end: number; gateway: number }
export interface Ipam {
  kind: 'hns' | 'host-local' | 'eks';
  ranges: IpRange[];
  exclude: Set<number>;
  dataDir: string;
  routes: { dst: string; gw?: string }[];
}
export interface EksOptions { kubeconfig?: string; annotation: string; timeoutMs: number }

export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  mode: Mode;
  networkName: string;
  subnet?: Cidr;
  gateway?: string;
  ipam: Ipam;
  dns: { nameservers: string[]; search: string[]; domain?: string; options: string[] };
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

export function defaultDataDir(): string {
  return platform() === 'win32' ? 'C:\\ProgramData\\wincri\\cni\\networks' : '/var/lib/cni/networks';
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const invalid = (m: string) => new CniError(CNI_ERR.InvalidNetworkConfig, m);

function str(o: Record<string, unknown>, k: string, where = ''): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalid(`${where}${k} must be a string`);
  return v;
}
function strList(o: Record<string, unknown>, k: string, where = ''): string[] {
  const v = o[k];
  if (v === undefined || v === null || v === '') return [];
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw invalid(`${where}${k} must be a string or a list of strings`);
  return v as string[];
}
function num(o: Record<string, unknown>, k: string, dflt: number, min: number, max: number): number {
  const v = o[k];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw invalid(`${k} must be an integer in [${min}, ${max}]`);
  return v;
}
function routesOf(v: unknown, where: string): { dst: string; gw?: string }[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${where} must be a list`);
  return v.map((r, i) => {
    if (!isObj(r) || typeof r.dst !== 'string') throw invalid(`${where}[${i}].dst is required`);
    parseCidr(r.dst, `${where}[${i}].dst`);
    if (r.gw !== undefined) parseIp(r.gw, `${where}[${i}].gw`);
    return r.gw === undefined ? { dst: r.dst } : { dst: r.dst, gw: String(r.gw) };
  });
}

/** One host-local range; unset bounds default to the subnet without network/broadcast addresses. */
function rangeOf(r: Record<string, unknown>, where: string, fallbackGateway?: string): IpRange {
  const subnet = parseCidr(r.subnet, `${where}.subnet`);
  if (subnet.prefix > 30) throw invalid(`${where}.subnet ${subnet.text} is too small`);
  const gwText = str(r, 'gateway', `${where}.`) ?? fallbackGateway;
  const gateway = gwText !== undefined ? parseIp(gwText, `${where}.gateway`) : subnet.network + 1;
  const start = r.rangeStart !== undefined ? parseIp(r.rangeStart, `${where}.rangeStart`) : subnet.network + 1;
  const end = r.rangeEnd !== undefined ? parseIp(r.rangeEnd, `${where}.rangeEnd`) : subnet.broadcast - 1;
  for (const [n, v] of [['rangeStart', start], ['rangeEnd', end], ['gateway', gateway]] as const) {
    if (!contains(subnet, v)) throw invalid(`${where}.${n} ${intToIp(v)} is outside ${subnet.text}`);
  }
  if (start > end) throw invalid(`${where}: rangeStart is after rangeEnd`);
  return { subnet, start, end, gateway };
}

function rangesOf(v: unknown, where: string, fallbackGateway?: string): IpRange[] {
  if (!Array.isArray(v)) throw invalid(`${where} must be a list of range sets`);
  const out: IpRange[] = [];
  v.forEach((set, i) => {
    const items = Array.isArray(set) ? set : [set];
    items.forEach((r, j) => {
      if (!isObj(r)) throw invalid(`${where}[${i}][${j}] must be an object`);
      out.push(rangeOf(r, `${where}[${i}][${j}]`, fallbackGateway));
    });
  });
  if (!out.length) throw invalid(`${where} is empty`);
  return out;
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

function portMappingsOf(v: unknown): PortMapping[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid('runtimeConfig.portMappings must be a list');
  return v.map((m, i) => {
    const w = `runtimeConfig.portMappings[${i}]`;
    if (!isObj(m)) throw invalid(`${w} must be an object`);
    const port = (k: string) => {
      const x = m[k];
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > 65535) throw invalid(`${w}.${k} must be a port number`);
      return x;
    };
    const protocol = m.protocol === undefined || m.protocol === '' ? 'tcp' : m.protocol;
    if (typeof protocol !== 'string') throw invalid(`${w}.protocol must be a string`);
    const hostIP = typeof m.hostIP === 'string' && m.hostIP !== '' ? m.hostIP : undefined;
    if (hostIP !== undefined && hostIP !== '0.0.0.0') parseIp(hostIP, `${w}.hostIP`);
    return { hostPort: port('hostPort'), containerPort: port('containerPort'), protocol: protocol.toLowerCase(), hostIP: hostIP === '0.0.0.0' ? undefined : hostIP };
  });
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

  const eksRaw = raw.eks;
  let eks: EksOptions | undefined;
  if (eksRaw !== undefined && eksRaw !== null && eksRaw !== false) {
    if (mode !== 'l2bridge') throw invalid('eks is only supported with the l2bridge mode');
    const o = isObj(eksRaw) ? eksRaw : {};
    const t = o.timeoutSeconds;
    if (t !== undefined && (typeof t !== 'number' || !(t >= 0))) throw invalid('eks.timeoutSeconds must be a non-negative number');
    eks = {
      kubeconfig: str(o, 'kubeconfig', 'eks.'),
      annotation: str(o, 'annotation', 'eks.') ?? 'vpc.amazonaws.com/PrivateIPv4Address',
      timeoutMs: (t as number | undefined ?? 60) * 1000,
    };
  }

  const ipamType = str(ipamRaw, 'type', 'ipam.') ?? '';
  let ipam: Ipam;
  const dataDir = str(ipamRaw, 'dataDir', 'ipam.') ?? defaultDataDir();
  const ipamRoutes = routesOf(ipamRaw.routes, 'ipam.routes');
  const exclude = new Set(strList(ipamRaw, 'exclude', 'ipam.').map((x, i) => parseIp(x, `ipam.exclude[${i}]`)));
  if (eks) {
    ipam = { kind: 'eks', ranges: [], exclude, dataDir, routes: ipamRoutes };
  } else if (ipamType === '' || ipamType === 'hns') {
    ipam = { kind: 'hns', ranges: [], exclude, dataDir, routes: ipamRoutes };
  } else if (ipamType === 'host-local') {
    let ranges: IpRange[];
    if (Array.isArray(rc.ipRanges) && rc.ipRanges.length) ranges = rangesOf(rc.ipRanges, 'runtimeConfig.ipRanges');
    else if (ipamRaw.ranges !== undefined) ranges = rangesOf(ipamRaw.ranges, 'ipam.ranges', gateway);
    else if (subnet) {
      const r: Record<string, unknown> = { subnet: subnet.text, gateway };
      if (ipamRaw.rangeStart !== undefined) r.rangeStart = ipamRaw.rangeStart;
      if (ipamRaw.rangeEnd !== undefined) r.rangeEnd = ipamRaw.rangeEnd;
      ranges = [rangeOf(r, 'ipam')];
    } else throw invalid('ipam: host-local needs a subnet (or ranges)');
    // HNS reserves the gateway; overlay (source VIP) and l2bridge (host bridge endpoint) also use .2.
    for (const r of ranges) {
      exclude.add(r.gateway);
      if (mode !== 'nat' && ipamRaw.rangeStart === undefined && ipamRaw.ranges === undefined) exclude.add(r.subnet.network + 2);
    }
    ipam = { kind: 'host-local', ranges, exclude, dataDir, routes: ipamRoutes };
  } else {
    throw invalid(`ipam.type "${ipamType}" is not supported (use "" / "hns" for HNS allocation or "host-local")`);
  }

  const dnsRaw = isObj(raw.dns) ? raw.dns : {};
  const dns = {
    nameservers: strList(dnsRaw, 'nameservers', 'dns.'),
    search: strList(dnsRaw, 'search', 'dns.'),
    domain: str(dnsRaw, 'domain', 'dns.') || undefined,
    options: strList(dnsRaw, 'options', 'dns.'),
  };
  if (isObj(rc.dns)) {
    const r = rc.dns;
    const servers = strList(r, 'servers', 'runtimeConfig.dns.');
    const searches = strList(r, 'searches', 'runtimeConfig.dns.');
    const options = strList(r, 'options', 'runtimeConfig.dns.');
    if (servers.length) dns.nameservers = servers;
    if (searches.length) dns.search = searches;
    if (options.length) dns.options = options;
  }

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

/** Directory of the host-local allocator for this network. */
export function ipamDir(conf: NetConf): string {
  return join(conf.ipam.dataDir, conf.name);
}
