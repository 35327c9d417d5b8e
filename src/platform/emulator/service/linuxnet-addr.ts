/** IPv4 address and MAC helpers of the emulator's Linux networking (./linuxnet.ts, ./netlink-link.ts). */

/** "a.b.c.d" → its number; undefined unless four decimal octets 0–255. */
export function ipToNumber(ip: string): number | undefined {
  const parts = ip.trim().split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/**
 * "a.b.c.d/n" → the address as written (host bits kept) and the prefix; a bare "a.b.c.d" only when `bare` gives
 * its prefix. IPv4 only.
 */
export function parseAddrPrefix(s: string, bare?: number): { ip: number; prefix: number } | undefined {
  const [a, p, more] = s.trim().split('/');
  const ip = ipToNumber(a ?? '');
  const prefix = p === undefined ? bare : /^\d{1,2}$/.test(p) ? Number(p) : undefined;
  return ip === undefined || more !== undefined || prefix === undefined || prefix > 32 ? undefined : { ip, prefix };
}

/** "a.b.c.d/nn" → {network address, prefix}; IPv4 only. */
export function parseCidr(cidr: string): { base: number; prefix: number } | undefined {
  const a = parseAddrPrefix(cidr);
  if (!a) return undefined;
  const mask = a.prefix === 0 ? 0 : (0xffffffff << (32 - a.prefix)) >>> 0;
  return { base: (a.ip & mask) >>> 0, prefix: a.prefix };
}
export const ipToString = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
export const macColons = (mac: string): string => mac.replace(/-/g, ':').toLowerCase();
