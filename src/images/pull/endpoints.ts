/** Where a registry domain is reached: its configured mirrors in order, then the host itself, each with its TLS material and the credentials that apply to it. */
import { readFileSync } from 'node:fs';
import { unavailable, errorMessage } from '../../errors.js';
import type { RegistryHostConfig } from '../../config/registries.js';
import type { Credentials } from './auth.js';

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ENDPOINT = 'registry-1.docker.io';

export interface Endpoint {
  /** host[:port] of this endpoint (config and credential lookups). */
  host: string;
  /** Base URL, no trailing slash: https://host[:port][/prefix]. */
  base: string;
  mirror: boolean;
  /** Plain HTTP allowed and TLS not verified. */
  insecure: boolean;
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  creds?: Credentials;
}

/**
 * Endpoints for a registry domain: configured mirrors in order, then the host. Request credentials apply to
 * the host itself (and to a mirror only when `serverAddress` names it); a mirror uses its own configured auth.
 */
export function registryEndpoints(registries: Record<string, RegistryHostConfig>, domain: string, requestCreds?: Credentials, serverAddress?: string): Endpoint[] {
  const cfg = registries[domain] ?? (domain === DOCKER_HUB ? registries[DOCKER_HUB_ENDPOINT] ?? registries['index.docker.io'] : undefined);
  const out: Endpoint[] = [];
  for (const m of cfg?.mirrors ?? []) {
    const u = new URL(m);
    const mcfg = registries[u.host];
    const prefix = u.pathname.replace(/\/+$/, '').replace(/\/v2$/, '');
    const sa = serverAddress?.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    out.push({
      host: u.host, base: `${u.protocol}//${u.host}${prefix}`, mirror: true, insecure: !!mcfg?.insecure,
      tls: tlsOf(mcfg, u.host), creds: sa && sa === u.host ? requestCreds : mcfg?.auth,
    });
  }
  const host = domain === DOCKER_HUB ? DOCKER_HUB_ENDPOINT : domain;
  out.push({
    host: domain, base: `https://${host}`, mirror: false, insecure: !!cfg?.insecure, tls: tlsOf(cfg, domain),
    creds: requestCreds ?? cfg?.auth,
  });
  return out;
}

function tlsOf(cfg: RegistryHostConfig | undefined, host: string): Endpoint['tls'] {
  const read = (f: string | undefined, what: string) => {
    if (!f) return undefined;
    try { return readFileSync(f); } catch (e) { throw unavailable(`registry ${host}: cannot read the ${what} file ${f}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`); }
  };
  return { ca: read(cfg?.ca, 'ca'), cert: read(cfg?.cert, 'cert'), key: read(cfg?.key, 'key') };
}
