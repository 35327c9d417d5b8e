/** CNI spec versions and result conversion between them. */
import { CniError, CNI_ERR } from './errors.js';

export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export const CURRENT_VERSION = '1.1.0';

/** Compare dotted versions numerically: <0, 0, >0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function checkSupported(v: string): void {
  if (!(SUPPORTED_VERSIONS as readonly string[]).includes(v)) {
    throw new CniError(CNI_ERR.IncompatibleVersion, 'incompatible CNI versions',
      `config is "${v}", plugin supports ${JSON.stringify(SUPPORTED_VERSIONS)}`);
  }
}

/** Version-neutral result: what the plugin knows about one attachment. */
export interface Attachment {
  interfaces: { name: string; mac?: string; sandbox?: string; mtu?: number }[];
  ips: { address: string; gateway?: string; interface?: number }[];
  routes: { dst: string; gw?: string }[];
  dns: { nameservers?: string[]; domain?: string; search?: string[]; options?: string[] };
}

/** Encodes an attachment in the result format of spec version `v` (0.3.x/0.4.0 carry ips[].version). */
export function encodeResult(a: Attachment, v: string): Record<string, unknown> {
  const legacy = compareVersions(v, '1.0.0') < 0;
  const r: Record<string, unknown> = { cniVersion: v };
  r.interfaces = a.interfaces.map((i) => {
    const o: Record<string, unknown> = { name: i.name };
    if (i.mac) o.mac = i.mac;
    if (i.sandbox !== undefined) o.sandbox = i.sandbox;
    if (i.mtu !== undefined && compareVersions(v, '1.1.0') >= 0) o.mtu = i.mtu;
    return o;
  });
  r.ips = a.ips.map((ip) => {
    const o: Record<string, unknown> = {};
    if (legacy) o.version = ip.address.includes(':') ? '6' : '4';
    o.address = ip.address;
    if (ip.gateway) o.gateway = ip.gateway;
    if (ip.interface !== undefined) o.interface = ip.interface;
    return o;
  });
  if (a.routes.length) r.routes = a.routes.map((x) => (x.gw ? { dst: x.dst, gw: x.gw } : { dst: x.dst }));
  const dns: Record<string, unknown> = {};
  if (a.dns.nameservers?.length) dns.nameservers = a.dns.nameservers;
  if (a.dns.domain) dns.domain = a.dns.domain;
  if (a.dns.search?.length) dns.search = a.dns.search;
  if (a.dns.options?.length) dns.options = a.dns.options;
  r.dns = dns;
  return r;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Decodes a prevResult of any supported version (0.3.x/0.4.0 with ips[].version, 1.x without). */
export function decodeResult(raw: unknown): Attachment {
  if (!isObj(raw)) throw new CniError(CNI_ERR.DecodingFailure, 'prevResult is not an object');
  const bad = (m: string) => new CniError(CNI_ERR.DecodingFailure, `prevResult: ${m}`);
  const interfaces = raw.interfaces === undefined ? [] : raw.interfaces;
  const ips = raw.ips === undefined ? [] : raw.ips;
  const routes = raw.routes === undefined ? [] : raw.routes;
  if (!Array.isArray(interfaces) || !Array.isArray(ips) || !Array.isArray(routes)) throw bad('interfaces, ips and routes must be lists');
  const a: Attachment = { interfaces: [], ips: [], routes: [], dns: {} };
  for (const i of interfaces) {
    if (!isObj(i) || typeof i.name !== 'string') throw bad('an interface has no name');
    a.interfaces.push({ name: i.name, mac: typeof i.mac === 'string' ? i.mac : undefined, sandbox: typeof i.sandbox === 'string' ? i.sandbox : undefined });
  }
  for (const ip of ips) {
    if (!isObj(ip) || typeof ip.address !== 'string') throw bad('an ip has no address');
    a.ips.push({ address: ip.address, gateway: typeof ip.gateway === 'string' ? ip.gateway : undefined, interface: typeof ip.interface === 'number' ? ip.interface : undefined });
  }
  for (const rt of routes) {
    if (!isObj(rt) || typeof rt.dst !== 'string') throw bad('a route has no dst');
    a.routes.push({ dst: rt.dst, gw: typeof rt.gw === 'string' ? rt.gw : undefined });
  }
  if (isObj(raw.dns)) {
    const d = raw.dns;
    const strs = (x: unknown) => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : undefined);
    a.dns = { nameservers: strs(d.nameservers), domain: typeof d.domain === 'string' ? d.domain : undefined, search: strs(d.search), options: strs(d.options) };
  }
  return a;
}
