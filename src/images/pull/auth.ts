/**
 * Registry credentials and authentication (distribution token spec; Docker's Basic/Bearer challenge flow).
 *   - Credentials come from the CRI AuthConfig (username/password, `auth` = base64 "user:pass", identity token
 *     = OAuth2 refresh token, registry token = a bearer token used as is) or from the registries config.
 *   - A 401 carries `WWW-Authenticate: Bearer realm=…,service=…,scope=…` or `Basic realm=…`. Bearer: GET the
 *     realm with service+scope (Basic credentials when we have them), or POST grant_type=refresh_token for an
 *     identity token; the token is reused until it expires. Basic: the credentials go on every request.
 * Secrets never reach logs or error messages: errors name the realm and the status only.
 */
import { createHash } from 'node:crypto';
import { unauthenticated } from './errors.js';

export interface Credentials {
  username?: string;
  password?: string;
  /** OAuth2 refresh token (docker login's identity token). */
  identityToken?: string;
  /** A bearer token for the registry, used directly. */
  registryToken?: string;
}

export interface CriAuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
  registryToken?: string;
}

/** Credentials from a CRI AuthConfig; undefined when it carries none. Malformed `auth` → error (no secret shown). */
export function credentialsFromCri(a: CriAuthConfig | null | undefined): Credentials | undefined {
  if (!a) return undefined;
  const c: Credentials = {};
  if (a.username) c.username = a.username;
  if (a.password) c.password = a.password;
  if (a.auth) {
    const plain = Buffer.from(a.auth, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i < 0) throw unauthenticated('the auth field of the pull credentials is not base64 "user:password"');
    c.username = plain.slice(0, i);
    c.password = plain.slice(i + 1);
  }
  if (a.identityToken) c.identityToken = a.identityToken;
  if (a.registryToken) c.registryToken = a.registryToken;
  return Object.keys(c).length ? c : undefined;
}

/** A stable, non-reversible key for caches (token cache, shared pulls) — never the secret itself. */
export function credentialKey(c: Credentials | undefined): string {
  if (!c) return 'anonymous';
  return createHash('sha256').update(JSON.stringify([c.username ?? '', c.password ?? '', c.identityToken ?? '', c.registryToken ?? ''])).digest('hex').slice(0, 32);
}

export interface Challenge { scheme: 'bearer' | 'basic'; params: Record<string, string> }

/** Parses WWW-Authenticate (one or more challenges; quoted and token values; commas inside quotes). */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (!header) return [];
  const s = Array.isArray(header) ? header.join(', ') : header;
  const out: Challenge[] = [];
  let cur: Challenge | undefined;
  let i = 0;
  const isTok = (ch: string) => /[A-Za-z0-9!#$%&'*+.^_`|~-]/.test(ch);
  while (i < s.length) {
    while (i < s.length && (s[i] === ' ' || s[i] === ',' || s[i] === '\t')) i++;
    const start = i;
    while (i < s.length && isTok(s[i]!)) i++;
    if (i === start) { i++; continue; }
    const name = s.slice(start, i);
    let j = i;
    while (j < s.length && s[j] === ' ') j++;
    if (s[j] === '=' && s[j + 1] !== '=') {
      j++;
      while (j < s.length && s[j] === ' ') j++;
      let value = '';
      if (s[j] === '"') {
        j++;
        while (j < s.length && s[j] !== '"') { if (s[j] === '\\' && j + 1 < s.length) j++; value += s[j]; j++; }
        j++;
      } else {
        const vs = j;
        while (j < s.length && s[j] !== ',' && s[j] !== ' ') j++;
        value = s.slice(vs, j);
      }
      i = j;
      if (cur) cur.params[name.toLowerCase()] = value;
      continue;
    }
    // token68 / scheme name
    const lower = name.toLowerCase();
    cur = lower === 'bearer' || lower === 'basic' ? { scheme: lower, params: {} } : undefined;
    if (cur) out.push(cur);
  }
  return out;
}

export interface TokenResponse { token: string; expiresAt: number }

/** Token lifetimes: expires_in (default 60 s per the spec), minus a safety margin. */
export function tokenFromResponse(body: unknown, now = Date.now()): TokenResponse | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const token = typeof b.token === 'string' && b.token ? b.token : typeof b.access_token === 'string' && b.access_token ? b.access_token : undefined;
  if (!token) return undefined;
  const expiresIn = typeof b.expires_in === 'number' && b.expires_in > 0 ? b.expires_in : 60;
  let issued = now;
  if (typeof b.issued_at === 'string') {
    const t = Date.parse(b.issued_at);
    if (Number.isFinite(t) && Math.abs(t - now) < 10 * 60_000) issued = t;
  }
  return { token, expiresAt: issued + Math.max(1, expiresIn - Math.min(10, expiresIn / 10)) * 1000 };
}

export function basicHeader(c: Credentials): string | undefined {
  if (c.username === undefined && c.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
}
