/**
 * What the runtime passes through the plugin's capabilities (config.ts): runtimeConfig.portMappings, and
 * runtimeConfig.dns over the configuration's own dns section (each list given replaces the configured one).
 */
import { isObj, invalid, str, strList } from './config-fields.js';
import { parseIp } from './ip.js';

export interface PortMapping { hostPort: number; containerPort: number; protocol: string; hostIP?: string }
export interface Dns { nameservers: string[]; search: string[]; domain?: string; options: string[] }

export function portMappingsOf(v: unknown): PortMapping[] {
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

/** The configured `dns` section, overridden by runtimeConfig.dns (`rcDns`) where it gives a list. */
export function dnsOf(dnsValue: unknown, rcDns: unknown): Dns {
  const dnsRaw = isObj(dnsValue) ? dnsValue : {};
  const dns: Dns = {
    nameservers: strList(dnsRaw, 'nameservers', 'dns.'),
    search: strList(dnsRaw, 'search', 'dns.'),
    domain: str(dnsRaw, 'domain', 'dns.') || undefined,
    options: strList(dnsRaw, 'options', 'dns.'),
  };
  if (isObj(rcDns)) {
    const r = rcDns;
    const servers = strList(r, 'servers', 'runtimeConfig.dns.');
    const searches = strList(r, 'searches', 'runtimeConfig.dns.');
    const options = strList(r, 'options', 'runtimeConfig.dns.');
    if (servers.length) dns.nameservers = servers;
    if (searches.length) dns.search = searches;
    if (options.length) dns.options = options;
  }
  return dns;
}
