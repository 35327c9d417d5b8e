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
  /**
   * Set instead of `creds` on an endpoint sent to the unpack worker (withoutSecrets): credentials apply to it, and
   * they are a registry token (no 401 challenge round). The secrets themselves stay on the daemon's thread.
   */
  credFlags?: { given: boolean; tokenAuth: boolean };
}

/** Whether credentials apply to the endpoint (its own, or as flagged for a worker). */
export const hasCreds = (ep: Endpoint): boolean => !!ep.creds || !!ep.credFlags?.given;
/** Whether the endpoint's credentials are a registry token used as is. */
export const tokenAuth = (ep: Endpoint): boolean => !!ep.creds?.registryToken || !!ep.credFlags?.tokenAuth;

/**
 * The endpoint as the unpack worker gets it: credentials replaced by flags (credFlags). Its TLS material goes
 * along, the client key included: the worker makes the TLS connections itself, so it needs the key (accepted: the
 * key is host configuration read from a file the daemon can read, not a per-pull secret of a client).
 */
export function withoutSecrets(ep: Endpoint): Endpoint {
  const { creds, ...rest } = ep;
  return creds ? { ...rest, credFlags: { given: true, tokenAuth: !!creds.registryToken } } : rest;
}

/**
 * Endpoints for a registry domain: configured mirrors in order, then the host. Request credentials apply to
 * the host itself (and to a mirror only when `serverAddress` names it); a mirror uses its own configured auth.
 * Without `withTls` no TLS file is read (their `tls` is empty): enough to tell which pulls are the same (job-key.ts).
 */
export function registryEndpoints(registries: Record<string, RegistryHostConfig>, domain: string, requestCreds?: Credentials, serverAddress?: string, withTls = true): Endpoint[] {
  const tlsOf = withTls ? readTls : () => ({});
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

function readTls(cfg: RegistryHostConfig | undefined, host: string): Endpoint['tls'] {
  const read = (f: string | undefined, what: string) => {
    if (!f) return undefined;
    try { return readFileSync(f); } catch (e) { throw unavailable(`registry ${host}: cannot read the ${what} file ${f}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`); }
  };
  return { ca: read(cfg?.ca, 'ca'), cert: read(cfg?.cert, 'cert'), key: read(cfg?.key, 'key') };
}
