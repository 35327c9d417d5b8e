/**
 * OCI distribution v2 client: endpoints (mirrors in order, then the host), TLS per host (CA, client cert,
 * insecure = plain HTTP allowed and no verification), authentication (auth.ts), redirects (credentials are
 * not forwarded to another origin), retries with exponential backoff on transient errors, idle timeouts, and
 * blob streams that resume with `Range` after a cut connection.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { logger } from '../../util/log.js';
import { RuntimeError, invalidArgument, notFound, unavailable, errorMessage } from '../../errors.js';
import type { RegistryHostConfig } from '../../config/registries.js';
import { sha256Digest } from '../digest.js';
import { MT } from '../oci.js';
import {
  type Credentials, type Challenge, parseChallenges, tokenFromResponse, basicHeader, credentialKey, redact,
} from './auth.js';
import { HttpStatusError, isTransient, IdleTimeoutError, cancelledError, unauthenticated } from './errors.js';

const log = logger('images/pull');

export const MANIFEST_ACCEPT = [MT.ociIndex, MT.ociManifest, MT.dockerList, MT.dockerManifest].join(', ');
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
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

export interface RegistryClientOptions {
  registries: Record<string, RegistryHostConfig>;
  /** A connection idle for this long is dropped (transient error). */
  idleTimeoutMs?: number;
  /** Attempts after the first for transient errors (default 5). */
  retries?: number;
  /** First backoff delay (doubles, with jitter; default 250 ms). */
  retryBaseMs?: number;
}

interface Cached { token: string; expiresAt: number }

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((res, rej) => {
    if (signal.aborted) return rej(cancelledError(signal));
    const t = setTimeout(() => { signal.removeEventListener('abort', stop); res(); }, ms);
    const stop = () => { clearTimeout(t); rej(cancelledError(signal)); };
    signal.addEventListener('abort', stop, { once: true });
  });
}

async function readBody(res: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    n += (c as Buffer).length;
    if (n > limit) { res.destroy(); throw invalidArgument(`${what} is larger than ${limit} bytes`); }
    parts.push(c as Buffer);
  }
  return Buffer.concat(parts);
}

/** The error text a registry put in its JSON body ({errors:[{code,message}]}), shortened. */
async function errorText(res: IncomingMessage): Promise<string> {
  try {
    const b = await readBody(res, 8192, 'error body');
    const j = JSON.parse(b.toString('utf8')) as { errors?: { code?: string; message?: string }[] };
    if (Array.isArray(j.errors) && j.errors.length) return j.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
    return '';
  } catch {
    return '';
  }
}

export class RegistryClient {
  private readonly registries: Record<string, RegistryHostConfig>;
  private readonly idleMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly agents = new Map<string, http.Agent>();
  private readonly challenges = new Map<string, Challenge>();
  private readonly tokens = new Map<string, Cached>();
  private readonly tokenInflight = new Map<string, Promise<string>>();
  /** Insecure https endpoints that turned out to speak plain HTTP. */
  private readonly plainHttp = new Set<string>();

  constructor(opts: RegistryClientOptions) {
    this.registries = opts.registries;
    this.idleMs = opts.idleTimeoutMs ?? 60_000;
    this.retries = opts.retries ?? 5;
    this.retryBaseMs = opts.retryBaseMs ?? 250;
  }

  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }

  private hostConfig(host: string): RegistryHostConfig | undefined {
    return this.registries[host] ?? (host === DOCKER_HUB ? this.registries[DOCKER_HUB_ENDPOINT] ?? this.registries['index.docker.io'] : undefined);
  }

  private tlsOf(cfg: RegistryHostConfig | undefined, host: string): Endpoint['tls'] {
    const read = (f: string | undefined, what: string) => {
      if (!f) return undefined;
      try { return readFileSync(f); } catch (e) { throw unavailable(`registry ${host}: cannot read the ${what} file ${f}: ${(e as NodeJS.ErrnoException).code ?? errorMessage(e)}`); }
    };
    return { ca: read(cfg?.ca, 'ca'), cert: read(cfg?.cert, 'cert'), key: read(cfg?.key, 'key') };
  }

  /**
   * Endpoints for a registry domain: configured mirrors in order, then the host. Request credentials apply to
   * the host itself (and to a mirror only when `serverAddress` names it); a mirror uses its own configured auth.
   */
  endpoints(domain: string, requestCreds?: Credentials, serverAddress?: string): Endpoint[] {
    const cfg = this.hostConfig(domain);
    const out: Endpoint[] = [];
    for (const m of cfg?.mirrors ?? []) {
      const u = new URL(m);
      const mcfg = this.registries[u.host];
      const prefix = u.pathname.replace(/\/+$/, '').replace(/\/v2$/, '');
      const sa = serverAddress?.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
      out.push({
        host: u.host, base: `${u.protocol}//${u.host}${prefix}`, mirror: true, insecure: !!mcfg?.insecure,
        tls: this.tlsOf(mcfg, u.host), creds: sa && sa === u.host ? requestCreds : mcfg?.auth,
      });
    }
    const host = domain === DOCKER_HUB ? DOCKER_HUB_ENDPOINT : domain;
    out.push({
      host: domain, base: `https://${host}`, mirror: false, insecure: !!cfg?.insecure, tls: this.tlsOf(cfg, domain),
      creds: requestCreds ?? cfg?.auth,
    });
    return out;
  }

  private agentFor(u: URL, ep: Endpoint | undefined): http.Agent {
    const own = ep && new URL(ep.base).host === u.host;
    const key = `${u.protocol}//${u.host}|${own ? ep!.base : ''}`;
    let a = this.agents.get(key);
    if (!a) {
      if (u.protocol === 'https:') {
        a = new https.Agent({
          keepAlive: true, maxSockets: 32,
          ...(own ? { ca: ep!.tls.ca, cert: ep!.tls.cert, key: ep!.tls.key, rejectUnauthorized: !ep!.insecure } : {}),
        });
      } else {
        a = new http.Agent({ keepAlive: true, maxSockets: 32 });
      }
      this.agents.set(key, a);
    }
    return a;
  }

  private urlFor(ep: Endpoint, path: string): URL {
    const base = this.plainHttp.has(ep.base) ? ep.base.replace(/^https:/, 'http:') : ep.base;
    return new URL(base + path);
  }

  /** One HTTP exchange; follows redirects (dropping Authorization when the origin changes). */
  private async send(url: URL, ep: Endpoint | undefined, method: string, headers: Record<string, string>, signal: AbortSignal, body?: Buffer): Promise<IncomingMessage> {
    let u = url;
    let h = { ...headers };
    for (let hop = 0; hop < 6; hop++) {
      if (u.protocol === 'http:' && ep && !ep.insecure && new URL(ep.base).host === u.host && !ep.base.startsWith('http:')) {
        throw unavailable(`registry ${ep.host}: refusing plain HTTP (the host is not configured as insecure)`);
      }
      const res = await this.exchange(u, ep, method, h, signal, body);
      const loc = res.headers.location;
      if ([301, 302, 303, 307, 308].includes(res.statusCode ?? 0) && loc) {
        res.resume();
        const next = new URL(loc, u);
        if (next.origin !== u.origin) { h = { ...h }; delete h.authorization; }
        u = next;
        if (res.statusCode === 303) { method = 'GET'; body = undefined; }
        continue;
      }
      return res;
    }
    throw unavailable(`too many redirects fetching ${url.origin}${url.pathname}`);
  }

  private exchange(u: URL, ep: Endpoint | undefined, method: string, headers: Record<string, string>, signal: AbortSignal, body?: Buffer): Promise<IncomingMessage> {
    return new Promise<IncomingMessage>((resolve, reject) => {
      if (signal.aborted) return reject(cancelledError(signal));
      const mod = u.protocol === 'https:' ? https : http;
      const req = mod.request(u, {
        method, headers: { 'user-agent': 'wincri', ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        agent: this.agentFor(u, ep),
      });
      const onAbort = () => req.destroy(cancelledError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      req.setTimeout(this.idleMs, () => req.destroy(new IdleTimeoutError(this.idleMs)));
      req.on('close', () => signal.removeEventListener('abort', onAbort));
      req.on('error', (e) => reject(signal.aborted ? cancelledError(signal) : e));
      req.on('response', (res) => {
        res.on('error', () => undefined);
        resolve(res);
      });
      req.end(body);
    });
  }

  /** send() with the insecure-endpoint fallback from https to http. */
  private async sendEp(ep: Endpoint, path: string, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
    const u = this.urlFor(ep, path);
    try {
      return await this.send(u, ep, 'GET', headers, signal);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? '';
      if (ep.insecure && u.protocol === 'https:' && !signal.aborted && (code === 'EPROTO' || code.startsWith('ERR_SSL') || code === 'ECONNRESET')) {
        log.info('insecure registry does not speak TLS; using plain HTTP', { endpoint: ep.base });
        this.plainHttp.add(ep.base);
        return this.send(this.urlFor(ep, path), ep, 'GET', headers, signal);
      }
      throw e;
    }
  }

  private async authorization(ep: Endpoint, scope: string, signal: AbortSignal): Promise<string | undefined> {
    if (ep.creds?.registryToken) return `Bearer ${ep.creds.registryToken}`;
    const ch = this.challenges.get(ep.base + '|' + credentialKey(ep.creds));
    if (!ch) return undefined;
    if (ch.scheme === 'basic') {
      const b = ep.creds && basicHeader(ep.creds);
      if (!b) throw unauthenticated(`registry ${ep.host} requires authentication and the pull has no credentials`);
      return b;
    }
    return `Bearer ${await this.token(ep, ch, scope, signal)}`;
  }

  private token(ep: Endpoint, ch: Challenge, scope: string, signal: AbortSignal): Promise<string> {
    const realm = ch.params.realm;
    if (!realm) throw unavailable(`registry ${ep.host}: its Bearer challenge names no realm`);
    const service = ch.params.service ?? '';
    const key = `${realm}|${service}|${scope}|${credentialKey(ep.creds)}`;
    const c = this.tokens.get(key);
    if (c && c.expiresAt > Date.now()) return Promise.resolve(c.token);
    const running = this.tokenInflight.get(key);
    if (running) return running;
    const p = this.fetchToken(ep, realm, service, scope, signal).then((t) => {
      this.tokens.set(key, t);
      return t.token;
    }).finally(() => this.tokenInflight.delete(key));
    this.tokenInflight.set(key, p);
    return p;
  }

  private async fetchToken(ep: Endpoint, realm: string, service: string, scope: string, signal: AbortSignal): Promise<Cached> {
    let u: URL;
    try { u = new URL(realm); } catch { throw unavailable(`registry ${ep.host}: invalid token realm`); }
    const c = ep.creds;
    let res: IncomingMessage;
    const realmEp = new URL(ep.base).host === u.host ? ep : undefined;
    if (c?.identityToken) {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: c.identityToken, service, scope, client_id: 'wincri' });
      res = await this.send(u, realmEp, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, signal, Buffer.from(form.toString()));
    } else {
      if (service) u.searchParams.set('service', service);
      if (scope) u.searchParams.append('scope', scope);
      const b = c && basicHeader(c);
      res = await this.send(u, realmEp, 'GET', b ? { authorization: b } : {}, signal);
    }
    const where = `${u.origin}${u.pathname}`;
    if (res.statusCode === 401 || res.statusCode === 403) {
      res.resume();
      throw unauthenticated(`registry ${ep.host}: the token service ${where} refused ${c ? 'the credentials' : 'anonymous access'} (HTTP ${res.statusCode})`);
    }
    if (res.statusCode !== 200) {
      res.resume();
      throw new HttpStatusError(res.statusCode ?? 0, `registry ${ep.host}: the token service ${where} answered HTTP ${res.statusCode}`);
    }
    const body = await readBody(res, 1024 * 1024, 'token response');
    let j: unknown;
    try { j = JSON.parse(body.toString('utf8')); } catch { j = undefined; }
    const t = tokenFromResponse(j);
    if (!t) throw unavailable(`registry ${ep.host}: the token service ${where} returned no token`);
    return t;
  }

  /**
   * GET an authorised registry path; returns a 2xx response, else throws (HttpStatusError, auth errors). A 401
   * records the challenge and the request is repeated once with fresh authorisation.
   */
  async get(ep: Endpoint, path: string, scope: string, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
    const chKey = ep.base + '|' + credentialKey(ep.creds);
    for (let round = 0; ; round++) {
      const auth = await this.authorization(ep, scope, signal);
      const res = await this.sendEp(ep, path, { ...headers, ...(auth ? { authorization: auth } : {}) }, signal);
      const st = res.statusCode ?? 0;
      if (st >= 200 && st < 300) return res;
      if (st === 401 && round === 0 && !ep.creds?.registryToken) {
        const chs = parseChallenges(res.headers['www-authenticate']);
        res.resume();
        const ch = chs.find((c) => c.scheme === 'bearer') ?? chs.find((c) => c.scheme === 'basic');
        if (!ch) throw unauthenticated(`registry ${ep.host} answered 401 without a usable WWW-Authenticate challenge`);
        this.challenges.set(chKey, ch);
        // A cached token that was refused is stale: drop tokens for this realm/scope.
        for (const k of this.tokens.keys()) if (k.startsWith(`${ch.params.realm ?? ''}|`) && k.includes(`|${scope}|`)) this.tokens.delete(k);
        continue;
      }
      const text = await errorText(res);
      if (st === 401 || st === 403) {
        throw unauthenticated(`registry ${ep.host} refused access to ${path.split('/').slice(2, -2).join('/')} (HTTP ${st}${text ? ': ' + redact(text, ep.creds) : ''})${ep.creds ? '' : '; no credentials were given'}`);
      }
      throw new HttpStatusError(st, `registry ${ep.host} answered HTTP ${st} for ${path}${text ? ': ' + redact(text, ep.creds) : ''}`);
    }
  }

  private backoff(attempt: number): number {
    const base = this.retryBaseMs * 2 ** (attempt - 1);
    return Math.min(10_000, base / 2 + Math.random() * base / 2);
  }

  /** Runs fn, retrying transient failures with backoff. */
  async retry<T>(what: string, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (signal.aborted) throw cancelledError(signal);
        if (!isTransient(e) || attempt > this.retries) throw e;
        log.info('transient registry error; retrying', { what, attempt, err: errorMessage(e) });
        await sleep(this.backoff(attempt), signal);
      }
    }
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
    for await (const c of this.blob(ep, repo, digest, size, signal)) parts.push(c);
    const data = Buffer.concat(parts);
    if (data.length !== size) throw invalidArgument(`blob ${digest}: size mismatch: expected ${size} bytes, received ${data.length}`);
    if (sha256Digest(data) !== digest) throw invalidArgument(`blob ${digest}: digest mismatch: content has ${sha256Digest(data)}`);
    return data;
  }

  /** A blob from a registry endpoint, resumed with Range after a cut. */
  blob(ep: Endpoint, repo: string, digest: string, size: number, signal: AbortSignal): AsyncGenerator<Buffer> {
    const scope = `repository:${repo}:pull`;
    return this.ranged(`blob ${digest}`, size, signal, (headers) => this.get(ep, `/v2/${repo}/blobs/${digest}`, scope, headers, signal));
  }

  /** A blob from a plain URL (foreign layers), resumed with Range after a cut. */
  url(url: string, size: number, signal: AbortSignal): AsyncGenerator<Buffer> {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw invalidArgument(`foreign layer URL scheme ${u.protocol} is not supported`);
    return this.ranged(`${u.origin}${u.pathname}`, size, signal, async (headers) => {
      const res = await this.send(u, undefined, 'GET', headers, signal);
      const st = res.statusCode ?? 0;
      if (st >= 200 && st < 300) return res;
      res.resume();
      throw new HttpStatusError(st, `${u.origin}${u.pathname} answered HTTP ${st}`);
    });
  }

  private async *ranged(what: string, size: number, signal: AbortSignal, open: (headers: Record<string, string>) => Promise<IncomingMessage>): AsyncGenerator<Buffer> {
    let offset = 0;
    let failures = 0;
    let sinceFailure = 0;
    for (;;) {
      let res: IncomingMessage | undefined;
      try {
        res = await open(offset > 0 ? { range: `bytes=${offset}-` } : {});
        let skip = 0;
        if (offset > 0) {
          if (res.statusCode === 206) {
            const m = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
            if (!m || Number(m[1]) !== offset) { res.destroy(); throw unavailable(`${what}: the server answered a range request for offset ${offset} with ${String(res.headers['content-range'])}`); }
          } else {
            skip = offset; // Range ignored: the whole blob again; drop what we already have
          }
        }
        for await (const chunk of res) {
          let c = chunk as Buffer;
          if (skip) {
            if (c.length <= skip) { skip -= c.length; continue; }
            c = c.subarray(skip);
            skip = 0;
          }
          offset += c.length;
          sinceFailure += c.length;
          if (sinceFailure > 1 << 20) failures = 0;
          yield c;
        }
        return;
      } catch (e) {
        if (signal.aborted) throw cancelledError(signal);
        if (!isTransient(e) || ++failures > this.retries || offset > size) throw e instanceof RuntimeError || e instanceof HttpStatusError ? e : unavailable(`${what}: ${errorMessage(e)}`);
        log.info('download interrupted; resuming', { what, offset, attempt: failures, err: errorMessage(e) });
        sinceFailure = 0;
        await sleep(this.backoff(failures), signal);
      } finally {
        res?.destroy();
      }
    }
  }
}

/** Maps a final transport/HTTP failure to a domain error (NotFound for 404, Unavailable otherwise). */
export function toDomainError(e: unknown, what: string): Error {
  if (e instanceof RuntimeError) return e;
  if (e instanceof HttpStatusError) return e.status === 404 ? notFound(`${what}: ${e.message}`) : unavailable(`${what}: ${e.message}`);
  const code = (e as NodeJS.ErrnoException).code;
  return unavailable(`${what}: ${errorMessage(e)}${code && !errorMessage(e).includes(code) ? ` (${code})` : ''}`);
}
