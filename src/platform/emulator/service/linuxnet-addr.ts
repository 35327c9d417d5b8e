/** IPv4 address and MAC helpers of the emulator's Linux networking (./linuxnet.ts). */

/** "a.b.c.d/nn" → {network address, prefix}; IPv4 only. */
export function parseCidr(cidr: string): { base: number; prefix: number } | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.trim());
  if (!m) return undefined;
  const prefix = Number(m[5]);
  if (prefix > 32) return undefined;
  const ip = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ip & mask) >>> 0, prefix };
}
export const ipToString = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
export function ipToNumber(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip.trim());
  return m ? ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0 : undefined;
}
export const macColons = (mac: string): string => mac.replace(/-/g, ':').toLowerCase();
