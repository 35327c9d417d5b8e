/** HTTP exchanges with registries: keep-alive agents per endpoint with its TLS material, redirects that do not carry credentials to another origin, idle timeouts, the plain-HTTP fallback of insecure hosts, and bounded response bodies. */
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { logger } from '../../util/log.js';
import { timerDelay } from '../../util/long-timer.js';
import { invalidArgument, unavailable } from '../../errors.js';
import type { Endpoint } from './endpoints.js';
import { IdleTimeoutError, cancelledError } from './errors.js';

const log = logger('images/pull');

export class RegistryTransport {
  private readonly agents = new Map<string, http.Agent>();
  /** Insecure https endpoints that turned out to speak plain HTTP. */
  private readonly plainHttp = new Set<string>();

  constructor(private readonly idleMs: number) {}

  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
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
    return new URL(this.reachedBase(ep) + path);
  }

  /** The endpoint's base URL as it is reached: http: for an insecure host found to speak plain HTTP. */
  reachedBase(ep: Endpoint): string {
    return this.plainHttp.has(ep.base) ? ep.base.replace(/^https:/, 'http:') : ep.base;
  }

  /** One HTTP exchange; follows redirects (dropping Authorization when the origin changes). */
  async send(url: URL, ep: Endpoint | undefined, method: string, headers: Record<string, string>, signal: AbortSignal, body?: Buffer): Promise<IncomingMessage> {
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
      req.setTimeout(timerDelay(this.idleMs), () => req.destroy(new IdleTimeoutError(this.idleMs)));
      req.on('close', () => signal.removeEventListener('abort', onAbort));
      req.on('error', (e) => reject(signal.aborted ? cancelledError(signal) : e));
      req.on('response', (res) => {
        res.on('error', () => undefined);
        resolve(res);
      });
      req.end(body);
    });
  }

  /** A GET of an endpoint's path: send() with the insecure-endpoint fallback from https to http. */
  async sendEp(ep: Endpoint, path: string, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
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
}

/** A whole response body, refused past `limit` bytes. */
export async function readBody(res: IncomingMessage, limit: number, what: string): Promise<Buffer> {
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
export async function errorText(res: IncomingMessage): Promise<string> {
  try {
    const b = await readBody(res, 8192, 'error body');
    const j = JSON.parse(b.toString('utf8')) as { errors?: { code?: string; message?: string }[] };
    if (Array.isArray(j.errors) && j.errors.length) return j.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
    return '';
  } catch {
    return '';
  }
}
