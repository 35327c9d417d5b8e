/**
 * The IPAM part of the plugin's network configuration (config.ts): HNS allocation ("" / "hns"), host-local ranges
 * (runtimeConfig.ipRanges first, then ipam.ranges, then the network subnet with rangeStart/rangeEnd) with the
 * addresses they must not hand out, or EKS (the pod address from a Kubernetes annotation, l2bridge only).
 */
import { platform } from 'node:os';
import { join } from 'node:path';
import { isObj, invalid, str, strList, routesOf } from './config-fields.js';
import { parseCidr, parseIp, intToIp, contains, type Cidr } from './ip.js';

export interface IpRange { subnet: Cidr; start: number; end: number; gateway: number }
export interface Ipam {
  kind: 'hns' | 'host-local' | 'eks';
  ranges: IpRange[];
  exclude: Set<number>;
  dataDir: string;
  routes: { dst: string; gw?: string }[];
}
export interface EksOptions { kubeconfig?: string; annotation: string; timeoutMs: number }

export function defaultDataDir(): string {
  return platform() === 'win32' ? 'C:\\ProgramData\\wincri\\cni\\networks' : '/var/lib/cni/networks';
}

/** Directory of the host-local allocator for this network. */
export function ipamDir(conf: { name: string; ipam: Ipam }): string {
  return join(conf.ipam.dataDir, conf.name);
}

/** One host-local range; unset bounds default to the subnet without network/broadcast addresses. */
export function rangeOf(r: Record<string, unknown>, where: string, fallbackGateway?: string): IpRange {
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

/** The `eks` section (absent, null or false: none); only an l2bridge network takes one. */
export function eksOf(eksRaw: unknown, l2bridge: boolean): EksOptions | undefined {
  if (eksRaw === undefined || eksRaw === null || eksRaw === false) return undefined;
  if (!l2bridge) throw invalid('eks is only supported with the l2bridge mode');
  const o = isObj(eksRaw) ? eksRaw : {};
  const t = o.timeoutSeconds;
  if (t !== undefined && (typeof t !== 'number' || !(t >= 0))) throw invalid('eks.timeoutSeconds must be a non-negative number');
  return {
    kubeconfig: str(o, 'kubeconfig', 'eks.'),
    annotation: str(o, 'annotation', 'eks.') ?? 'vpc.amazonaws.com/PrivateIPv4Address',
    timeoutMs: (t as number | undefined ?? 60) * 1000,
  };
}

/**
 * The `ipam` section, with runtimeConfig (`rc`: its ipRanges) and the network's subnet and gateway. `nat`: whether
 * the network is a NAT one (the other modes use the subnet's second address too).
 */
export function ipamOf(ipamRaw: Record<string, unknown>, rc: Record<string, unknown>, o: { eks: boolean; nat: boolean; subnet?: Cidr; gateway?: string }): Ipam {
  const { subnet, gateway } = o;
  const ipamType = str(ipamRaw, 'type', 'ipam.') ?? '';
  const dataDir = str(ipamRaw, 'dataDir', 'ipam.') ?? defaultDataDir();
  const ipamRoutes = routesOf(ipamRaw.routes, 'ipam.routes');
  const exclude = new Set(strList(ipamRaw, 'exclude', 'ipam.').map((x, i) => parseIp(x, `ipam.exclude[${i}]`)));
  if (o.eks) return { kind: 'eks', ranges: [], exclude, dataDir, routes: ipamRoutes };
  if (ipamType === '' || ipamType === 'hns') return { kind: 'hns', ranges: [], exclude, dataDir, routes: ipamRoutes };
  if (ipamType !== 'host-local') {
    throw invalid(`ipam.type "${ipamType}" is not supported (use "" / "hns" for HNS allocation or "host-local")`);
  }
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
    if (!o.nat && ipamRaw.rangeStart === undefined && ipamRaw.ranges === undefined) exclude.add(r.subnet.network + 2);
  }
  return { kind: 'host-local', ranges, exclude, dataDir, routes: ipamRoutes };
}
