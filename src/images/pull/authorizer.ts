/** The Authorization header for a registry request: the challenge each endpoint answered with, and Bearer tokens fetched from its token service, cached until they expire and shared by concurrent requests. */
import type { IncomingMessage } from 'node:http';
import { unavailable } from '../../errors.js';
import { type Challenge, tokenFromResponse, basicHeader, credentialKey } from './auth.js';
import type { Endpoint } from './endpoints.js';
import { HttpStatusError, unauthenticated } from './errors.js';
import { readBody, type RegistryTransport } from './transport.js';

interface Cached { token: string; expiresAt: number }

export class RegistryAuthorizer {
  private readonly challenges = new Map<string, Challenge>();
  private readonly tokens = new Map<string, Cached>();
  private readonly tokenInflight = new Map<string, Promise<string>>();

  constructor(private readonly transport: RegistryTransport) {}

  /** The header value for a request to `ep` in `scope`; undefined while the endpoint has not challenged us. */
  async authorization(ep: Endpoint, scope: string, signal: AbortSignal): Promise<string | undefined> {
    if (ep.creds?.registryToken) return `Bearer ${ep.creds.registryToken}`;
    const ch = this.challenges.get(challengeKey(ep));
    if (!ch) return undefined;
    if (ch.scheme === 'basic') {
      const b = ep.creds && basicHeader(ep.creds);
      if (!b) throw unauthenticated(`registry ${ep.host} requires authentication and the pull has no credentials`);
      return b;
    }
    return `Bearer ${await this.token(ep, ch, scope, signal)}`;
  }

  /** Records the challenge of a 401; a cached token that was refused is stale: tokens for this realm/scope are dropped. */
  challenged(ep: Endpoint, ch: Challenge, scope: string): void {
    this.challenges.set(challengeKey(ep), ch);
    for (const k of this.tokens.keys()) if (k.startsWith(`${ch.params.realm ?? ''}|`) && k.includes(`|${scope}|`)) this.tokens.delete(k);
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
      res = await this.transport.send(u, realmEp, 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, signal, Buffer.from(form.toString()));
    } else {
      if (service) u.searchParams.set('service', service);
      if (scope) u.searchParams.append('scope', scope);
      const b = c && basicHeader(c);
      res = await this.transport.send(u, realmEp, 'GET', b ? { authorization: b } : {}, signal);
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
}

function challengeKey(ep: Endpoint): string {
  return ep.base + '|' + credentialKey(ep.creds);
}
