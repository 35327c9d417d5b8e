/**
 * OCI distribution v2 client: endpoints (mirrors in order, then the host; endpoints.ts), TLS per host and
 * redirects (transport.ts), authentication (authorizer.ts, auth.ts), retries with exponential backoff on
 * transient errors and blob streams that resume with `Range` after a cut connection (retry.ts). This file holds
 * the registry's requests: authorised GETs, manifests and blobs.
 */
import type { IncomingMessage } from 'node:http';
import { invalidArgument } from '../../errors.js';
import type { RegistryHostConfig } from '../../config/registries.js';
import { sha256Digest } from '../digest.js';
import { MT } from '../oci.js';
import { type Credentials, parseChallenges } from './auth.js';
import { HttpStatusError, unauthenticated } from './errors.js';
import { registryEndpoints, hasCreds, tokenAuth, withoutSecrets, type Endpoint } from './endpoints.js';
import { RegistryTransport, readBody, errorText } from './transport.js';
import { RegistryAuthorizer } from './authorizer.js';
import { redact } from './redact.js';
import type { AuthSource } from './auth-relay.js';
import { RetryPolicy } from './retry.js';

export const MANIFEST_ACCEPT = [MT.ociIndex, MT.ociManifest, MT.dockerList, MT.dockerManifest].join(', ');
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export interface RegistryClientOptions {
  registries: Record<string, RegistryHostConfig>;
  /** A connection idle for this long is dropped (transient error). */
  idleTimeoutMs?: number;
  /** Attempts after the first for transient errors (default 5). */
  retries?: number;
  /** First backoff delay (doubles, with jitter; default 250 ms). */
  retryBaseMs?: number;
}

/** The client's settings that a layer download on the unpack worker needs (remote-layer.ts): all but the registries. */
export type ClientSettings = Omit<RegistryClientOptions, 'registries'>;

export class RegistryClient {
  private readonly registries: Record<string, RegistryHostConfig>;
  private readonly transport: RegistryTransport;
  private readonly authorizer: AuthSource;
  private readonly policy: RetryPolicy;
  readonly settings: ClientSettings;

  /** `authorizer`: another client's, relayed (a worker's client: auth-relay.ts); by default its own. */
  constructor(opts: RegistryClientOptions, authorizer?: AuthSource) {
    this.registries = opts.registries;
    this.settings = { idleTimeoutMs: opts.idleTimeoutMs, retries: opts.retries, retryBaseMs: opts.retryBaseMs };
    this.transport = new RegistryTransport(opts.idleTimeoutMs ?? 60_000);
    this.authorizer = authorizer ?? new RegistryAuthorizer(this.transport);
    this.policy = new RetryPolicy(opts.retries ?? 5, opts.retryBaseMs ?? 250);
  }

  /**
   * The endpoint as this client reaches it (an insecure host's plain-HTTP fallback already known), for a worker's
   * client: without its credentials (withoutSecrets; the worker's requests are authorised by this client).
   */
  asReached(ep: Endpoint): Endpoint {
    const base = this.transport.reachedBase(ep);
    return withoutSecrets(base === ep.base ? ep : { ...ep, base });
  }

  /** This client's authorisation, for a worker's relayed requests (auth-relay.ts serveAuth). */
  get auth(): AuthSource {
    return this.authorizer;
  }

  close(): void {
    this.transport.close();
  }

  /**
   * Endpoints for a registry domain: configured mirrors in order, then the host. Request credentials apply to
   * the host itself (and to a mirror only when `serverAddress` names it); a mirror uses its own configured auth.
   */
  endpoints(domain: string, requestCreds?: Credentials, serverAddress?: string): Endpoint[] {
    return registryEndpoints(this.registries, domain, requestCreds, serverAddress);
  }

  /** The endpoints without their TLS material (no file read): which pulls are the same (job-key.ts). */
  endpointPlan(domain: string, requestCreds?: Credentials, serverAddress?: string): Endpoint[] {
    return registryEndpoints(this.registries, domain, requestCreds, serverAddress, false);
  }

  /**
   * GET an authorised registry path; returns a 2xx response, else throws (HttpStatusError, auth errors). A 401
   * records the challenge and the request is repeated once with fresh authorisation.
   */
  async get(ep: Endpoint, path: string, scope: string, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
    for (let round = 0; ; round++) {
      const auth = await this.authorizer.authorization(ep, scope, signal);
      const res = await this.transport.sendEp(ep, path, { ...headers, ...(auth ? { authorization: auth } : {}) }, signal);
      const st = res.statusCode ?? 0;
      if (st >= 200 && st < 300) return res;
      if (st === 401 && round === 0 && !tokenAuth(ep)) {
        const chs = parseChallenges(res.headers['www-authenticate']);
        res.resume();
        const ch = chs.find((c) => c.scheme === 'bearer') ?? chs.find((c) => c.scheme === 'basic');
        if (!ch) throw unauthenticated(`registry ${ep.host} answered 401 without a usable WWW-Authenticate challenge`);
        this.authorizer.challenged(ep, ch, scope);
        continue;
      }
      // On the unpack worker the endpoint has no secrets (withoutSecrets) and redact() keeps to the header and its
      // patterns: the daemon redacts the error again with the credentials (unpack-remote.ts).
      // A registry may echo the header it was sent (a token it refuses): that value is taken out too.
      const text = redact(await errorText(res), ep.creds, auth);
      if (st === 401 || st === 403) {
        throw unauthenticated(`registry ${ep.host} refused access to ${path.split('/').slice(2, -2).join('/')} (HTTP ${st}${text ? ': ' + text : ''})${hasCreds(ep) ? '' : '; no credentials were given'}`);
      }
      throw new HttpStatusError(st, `registry ${ep.host} answered HTTP ${st} for ${path}${text ? ': ' + text : ''}`);
    }
  }

  /** Runs fn, retrying transient failures with backoff. */
  retry<T>(what: string, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    return this.policy.run(what, signal, fn);
  }

  /** Manifest or index by tag or digest; verified against the digest when one was asked for. */
  async manifest(ep: Endpoint, repo: string, reference: string, signal: AbortSignal): Promise<{ data: Buffer; mediaType?: string; digest: string }> {
    const scope = `repository:${repo}:pull`;
    return this.retry(`manifest ${repo}:${reference}`, signal, async () => {
      const res = await this.get(ep, `/v2/${repo}/manifests/${reference}`, scope, { accept: MANIFEST_ACCEPT }, signal);
      const data = await readBody(res, MAX_MANIFEST_BYTES, `manifest ${reference}`);
      const digest = sha256Digest(data);
      if (reference.startsWith('sha256:') && digest !== reference) {
        throw invalidArgument(`registry ${ep.host}: manifest ${reference} of ${repo} has the digest ${digest}`);
      }
      const ct = res.headers['content-type']?.split(';')[0]?.trim();
      return { data, mediaType: ct || undefined, digest };
    });
  }

  /** A small blob (config) read whole and verified. */
  async smallBlob(ep: Endpoint, repo: string, digest: string, size: number, signal: AbortSignal): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const batch of this.blob(ep, repo, digest, size, signal)) parts.push(...batch);
    const data = Buffer.concat(parts);
    if (data.length !== size) throw invalidArgument(`blob ${digest}: size mismatch: expected ${size} bytes, received ${data.length}`);
    if (sha256Digest(data) !== digest) throw invalidArgument(`blob ${digest}: digest mismatch: content has ${sha256Digest(data)}`);
    return data;
  }

  /** A blob from a registry endpoint, resumed with Range after a cut; chunks in batches (retry.ts ranged). */
  blob(ep: Endpoint, repo: string, digest: string, size: number, signal: AbortSignal): AsyncGenerator<Buffer[]> {
    const scope = `repository:${repo}:pull`;
    return this.policy.ranged(`blob ${digest}`, size, signal, (headers) => this.get(ep, `/v2/${repo}/blobs/${digest}`, scope, headers, signal));
  }

  /** A blob from a plain URL (foreign layers), resumed with Range after a cut; chunks in batches. */
  url(url: string, size: number, signal: AbortSignal): AsyncGenerator<Buffer[]> {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw invalidArgument(`foreign layer URL scheme ${u.protocol} is not supported`);
    return this.policy.ranged(`${u.origin}${u.pathname}`, size, signal, async (headers) => {
      const res = await this.transport.send(u, undefined, 'GET', headers, signal);
      const st = res.statusCode ?? 0;
      if (st >= 200 && st < 300) return res;
      res.resume();
      throw new HttpStatusError(st, `${u.origin}${u.pathname} answered HTTP ${st}`);
    });
  }
}
