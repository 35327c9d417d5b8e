/**
 * The HCN wire conventions the network emulator follows (computenetwork.dll semantics): documents parsed with the
 * HCN schemas (HCN_E_INVALID_JSON), GUID ids compared without braces and case, query Filters as JSON strings, and
 * the small address / MAC / policy helpers the networks, endpoints and namespaces share.
 */
import { randomUUID } from 'node:crypto';
import { PlatformError, HRESULT } from '../../hresult.js';
import { validate, type Schema } from '../../schema.js';
import { HcnQuery, type HostComputeNetworkDoc, type HostComputeEndpointDoc, type SubnetDoc } from '../../hcn/schema/index.js';
import { parseCidr, ipToString } from './linuxnet.js';

export function parse<T>(schema: Schema<T>, op: string, text: unknown, allowEmpty = true): T {
  let doc: unknown = text;
  if (typeof text === 'string') {
    if (text.trim() === '' && allowEmpty) doc = {};
    else {
      try { doc = JSON.parse(text); } catch (e) {
        throw new PlatformError(HRESULT.HCN_E_INVALID_JSON, op, `not valid JSON: ${(e as Error).message}`);
      }
    }
  }
  if (doc === undefined || doc === null) doc = {};
  const r = validate(schema, doc);
  if (!r.ok) {
    throw new PlatformError(HRESULT.HCN_E_INVALID_JSON, op, `${r.problem.path}: ${r.problem.message}`,
      { Error: HRESULT.HCN_E_INVALID_JSON | 0, ErrorMessage: r.problem.message, Path: r.problem.path });
  }
  return r.value;
}

export const norm = (id: string): string => id.replace(/[{}]/g, '').toLowerCase();
export const GUID_RE = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;

export function checkId(op: string, id: unknown): string {
  if (id === undefined || id === null || id === '') return randomUUID();
  if (typeof id !== 'string' || !GUID_RE.test(id)) throw new PlatformError(HRESULT.HCN_E_GUID_CONVERSION_FAILURE, op, `${String(id)} is not a GUID`);
  return id.replace(/[{}]/g, '');
}

export function filterOf(op: string, queryText: unknown): Record<string, unknown> {
  const q = parse(HcnQuery, op, queryText);
  if (!q.Filter) return {};
  try {
    const f = JSON.parse(q.Filter) as unknown;
    return typeof f === 'object' && f !== null ? f as Record<string, unknown> : {};
  } catch { throw new PlatformError(HRESULT.HCN_E_INVALID_JSON, op, 'Filter is not valid JSON'); }
}

export const eq = (a: unknown, b: unknown): boolean =>
  typeof a === 'string' && typeof b === 'string' ? norm(a) === norm(b) : a === b;

export const ip4 = (s: string): number => s.split('.').reduce((a, o) => a * 256 + Number(o), 0);
export const ip4s = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
export const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
export type PortSetting = { Protocol?: number; ExternalPort?: number; VIP?: string };
export const portsOf = (e: HostComputeEndpointDoc): PortSetting[] =>
  (e.Policies ?? []).filter((p) => p.Type === 'PortMapping').map((p) => (p.Settings ?? {}) as PortSetting);

export const BRIDGED_TYPES = new Set(['NAT', 'ICS', 'L2Bridge', 'L2Tunnel', 'Transparent', 'Overlay', 'Internal', 'Private']);

export function firstSubnet(n: HostComputeNetworkDoc): SubnetDoc | undefined {
  return n.Ipams?.flatMap((i) => i.Subnets ?? []).find((s) => !!s.IpAddressPrefix && !s.IpAddressPrefix.includes(':'));
}
/** The subnet's gateway: NextHop of its default route, else the first address. */
export function gatewayOf(sub: SubnetDoc | undefined): string | undefined {
  if (!sub?.IpAddressPrefix) return undefined;
  const r = sub.Routes?.find((x) => x.DestinationPrefix === '0.0.0.0/0' && x.NextHop);
  if (r) return r.NextHop;
  const c = parseCidr(sub.IpAddressPrefix);
  return c && c.prefix < 31 ? ipToString(c.base + 1) : undefined;
}
export const settingsOf = <T>(p: { Settings?: unknown }): T => (p.Settings ?? {}) as T;

/** A stable MAC for an object: the given prefix, then bytes of the GUID (dash-separated, as HNS writes MACs). */
export function macFor(guid: string, prefix: string): string {
  const h = guid.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  const parts = prefix.split('-');
  let i = 0;
  while (parts.length < 6) { parts.push(h.slice(i, i + 2) || '00'); i += 2; }
  return parts.join('-');
}
