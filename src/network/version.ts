/**
 * CNI spec versions and result shapes (containernetworking/cni SPEC.md; reference/hns-cni.md §3.5).
 * Results of every version are reduced to the part the runtime needs: the IPs of the pod's interface.
 */

/** Spec versions this runtime can drive, oldest first. */
export const SUPPORTED_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

/** Compares dotted versions numerically: <0, 0, >0. Missing parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export const atLeast = (v: string, min: string): boolean => compareVersions(v, min) >= 0;

export function isKnownVersion(v: string): boolean {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

export interface PodIps {
  /** Addresses without prefix length, IPv4 first (the primary pod IP is the first). */
  ips: string[];
  /** As the plugin reported them ("a.b.c.d/nn"). */
  cidrs: string[];
}

const stripPrefix = (cidr: string): string => cidr.split('/')[0] ?? cidr;

/**
 * The IPs a result assigns to the interface `ifName`: for 0.1.0/0.2.0 `ip4`/`ip6`; from 0.3.0 the `ips` whose
 * `interface` index names `ifName` in `interfaces`, or that have no interface (IPAM-style results, and plugins
 * that name the interface after the endpoint). IPv4 addresses come first, each family in the plugin's order.
 */
export function podIpsOf(result: unknown, ifName: string): PodIps {
  const r = (result ?? {}) as Record<string, unknown>;
  const cidrs: string[] = [];
  const version = typeof r.cniVersion === 'string' ? r.cniVersion : '1.0.0';
  if (compareVersions(version, '0.3.0') < 0) {
    for (const k of ['ip4', 'ip6']) {
      const ip = (r[k] as { ip?: unknown } | null | undefined)?.ip;
      if (typeof ip === 'string' && ip) cidrs.push(ip);
    }
  } else {
    const ifaces = (Array.isArray(r.interfaces) ? r.interfaces : []).map((x) => (x && typeof x === 'object' ? x : {})) as { name?: unknown }[];
    // A plugin's output is not trusted to be well-formed: entries that are not objects are skipped.
    const isObj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object';
    const ips = (Array.isArray(r.ips) ? r.ips : []).filter(isObj) as { address?: unknown; interface?: unknown }[];
    const named = ips.filter((ip) => typeof ip.interface === 'number' && ifaces[ip.interface]?.name === ifName);
    // Prefer addresses on the named interface; else fall back to addresses without an interface, then all.
    const pick = named.length > 0 ? named
      : ips.filter((ip) => typeof ip.interface !== 'number').length > 0 ? ips.filter((ip) => typeof ip.interface !== 'number')
        : ips;
    for (const ip of pick) if (typeof ip.address === 'string' && ip.address) cidrs.push(ip.address);
  }
  const v4 = cidrs.filter((c) => !c.includes(':'));
  const v6 = cidrs.filter((c) => c.includes(':'));
  const ordered = [...v4, ...v6];
  return { ips: ordered.map(stripPrefix), cidrs: ordered };
}
