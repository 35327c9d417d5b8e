/** IPv4 helpers (HNS NAT and overlay networks are IPv4 only). */
import { CniError, CNI_ERR } from './errors.js';

export function ipToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Cidr { ip: string; prefix: number; network: number; broadcast: number; size: number; text: string }

/** Parses a.b.c.d/nn; `what` names the field in the error. */
export function parseCidr(text: unknown, what: string): Cidr {
  const bad = () => new CniError(CNI_ERR.InvalidNetworkConfig, `${what}: "${String(text)}" is not an IPv4 CIDR`);
  if (typeof text !== 'string') throw bad();
  const [ip, p, ...rest] = text.split('/');
  const n = ipToInt(ip ?? '');
  const prefix = Number(p);
  if (rest.length || n === undefined || p === undefined || p === '' || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw bad();
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (n & mask) >>> 0;
  const size = 2 ** (32 - prefix);
  return { ip: ip!, prefix, network, broadcast: (network + size - 1) >>> 0, size, text: `${intToIp(network)}/${prefix}` };
}

export function parseIp(text: unknown, what: string): number {
  const n = typeof text === 'string' ? ipToInt(text) : undefined;
  if (n === undefined) throw new CniError(CNI_ERR.InvalidNetworkConfig, `${what}: "${String(text)}" is not an IPv4 address`);
  return n;
}

export function contains(c: Cidr, ip: number): boolean {
  return ip >= c.network && ip <= c.broadcast;
}
