/**
 * The base URL handed to CRI clients must be absolute with a host they can reach: kubelet parses it and
 * critest rejects an empty host. A wildcard bind address (0.0.0.0, ::) is replaced by this host's first
 * non-internal address of that family (loopback when there is none).
 */
import { networkInterfaces } from 'node:os';
import { isIPv6 } from 'node:net';

export function reachableHost(bound: string, interfaces = networkInterfaces()): string {
  if (bound !== '0.0.0.0' && bound !== '::') return bound;
  const family = bound === '::' ? 'IPv6' : 'IPv4';
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) if (a.family === family && !a.internal && !a.address.startsWith('fe80:')) return a.address;
  }
  return family === 'IPv6' ? '::1' : '127.0.0.1';
}

export function baseUrl(scheme: 'http' | 'https', host: string, port: number): string {
  return `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
}
