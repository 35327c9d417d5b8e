/**
 * Real registries for pull tests: Debian's `docker-registry` (distribution v2) started on 127.0.0.1 with an
 * ephemeral config (plain HTTP, htpasswd Basic auth, token auth, TLS), a small JWT token issuer, a minimal
 * push client, in-memory Windows test images (manifests, indexes, foreign layers), a fault-injecting proxy and
 * a TLS CA made with openssl.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash, createSign, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildLayerTar, type LayerSpec } from './image-builder.js';

export const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => res(p)); });
  });
}

// ───────────────────────────── TLS material ─────────────────────────────

export interface Pki { dir: string; caCert: string; serverCert: string; serverKey: string; signCert: string; signKey: string }

/** A CA and a server certificate for 127.0.0.1/localhost, plus a self-signed token signing certificate. */
export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-pki-'));
  const o = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=wincri test CA');
  o('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  o('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext.cnf');
  o('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'sign.key', '-out', 'sign.crt', '-days', '2', '-subj', '/CN=wincri token issuer');
  return {
    dir, caCert: join(dir, 'ca.crt'), serverCert: join(dir, 'server.crt'), serverKey: join(dir, 'server.key'),
    signCert: join(dir, 'sign.crt'), signKey: join(dir, 'sign.key'),
  };
}

// ───────────────────────────── token issuer ─────────────────────────────

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export interface TokenIssuer {
  realm: string;
  service: string;
  issuer: string;
  /** Token requests served (GET and POST). */
  requests: number;
  /** Scopes asked for, in order. */
  scopes: string[];
  close(): Promise<void>;
}

/** A distribution token server: Basic user/password or refresh_token grant → RS256 JWT with an x5c header. */
export async function startTokenIssuer(pki: Pki, users: Record<string, string>, opts: { refreshTokens?: Record<string, string>; expiresIn?: number } = {}): Promise<TokenIssuer> {
  const key = readFileSync(pki.signKey);
  const der = new X509Certificate(readFileSync(pki.signCert)).raw;
  const service = 'wincri-test-registry';
  const issuerName = 'wincri-test-issuer';
  const t: TokenIssuer = { realm: '', service, issuer: issuerName, requests: 0, scopes: [], close: async () => undefined };
  const sign = (sub: string, scopes: string[]) => {
    const now = Math.floor(Date.now() / 1000);
    const access = scopes.map((s) => {
      const [type, ...rest] = s.split(':');
      const actions = rest.pop()!.split(',');
      return { type, name: rest.join(':'), actions };
    });
    const header = { alg: 'RS256', typ: 'JWT', x5c: [der.toString('base64')] };
    const claims = { iss: issuerName, sub, aud: service, exp: now + (opts.expiresIn ?? 300), nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = createSign('RSA-SHA256').update(input).sign(key);
    return `${input}.${b64url(sig)}`;
  };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const reply = (user: string | undefined, scopes: string[]) => {
      if (user === undefined) { res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}'); return; }
      const token = sign(user, scopes);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: opts.expiresIn ?? 300, issued_at: new Date().toISOString() }));
    };
    t.requests++;
    if (req.method === 'POST') {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        const f = new URLSearchParams(Buffer.concat(parts).toString());
        const scopes = f.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
        t.scopes.push(...scopes);
        const user = f.get('grant_type') === 'refresh_token' ? opts.refreshTokens?.[f.get('refresh_token') ?? ''] : undefined;
        reply(user, scopes);
      });
      return;
    }
    const scopes = u.searchParams.getAll('scope');
    t.scopes.push(...scopes);
    const h = req.headers.authorization;
    let user: string | undefined;
    if (h?.startsWith('Basic ')) {
      const [n, ...p] = Buffer.from(h.slice(6), 'base64').toString().split(':');
      if (n !== undefined && users[n] === p.join(':')) user = n;
    } else if (!h) {
      user = undefined;
    }
    reply(user, scopes);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.realm = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/token`;
  t.close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  return t;
}

// ───────────────────────────── docker-registry ─────────────────────────────

export interface RegistryOptions {
  htpasswd?: Record<string, string>;
  token?: TokenIssuer & { rootCert: string };
  tls?: { cert: string; key: string };
}

export interface Registry {
  host: string;
  url: string;
  dir: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), 'wincri-registry-'));
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log:', '  level: error', '  accesslog:', '    disabled: true',
    'storage:', `  filesystem:`, `    rootdirectory: ${join(dir, 'data')}`, '  delete:', '    enabled: true', '  redirect:', '    disable: true',
    'http:', `  addr: 127.0.0.1:${port}`, `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  if (opts.tls) lines.push('  tls:', `    certificate: ${opts.tls.cert}`, `    key: ${opts.tls.key}`);
  // foreign (non-distributable) layers with URLs are accepted without their blob
  lines.push('validation:', '  manifests:', '    urls:', '      allow:', "        - '^https?://'");
  if (opts.htpasswd) {
    const file = join(dir, 'htpasswd');
    writeFileSync(file, Object.entries(opts.htpasswd).map(([u, p]) => execFileSync('htpasswd', ['-Bbn', u, p]).toString().trim()).join('\n') + '\n');
    lines.push('auth:', '  htpasswd:', '    realm: wincri-test', `    path: ${file}`);
  } else if (opts.token) {
    lines.push('auth:', '  token:', `    realm: ${opts.token.realm}`, `    service: ${opts.token.service}`, `    issuer: ${opts.token.issuer}`, `    rootcertbundle: ${opts.token.rootCert}`);
  }
  writeFileSync(join(dir, 'config.yml'), lines.join('\n') + '\n');
  const proc = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const scheme = opts.tls ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`docker-registry exited ${proc.exitCode}: ${stderr}`);
    const ok = await new Promise<boolean>((r) => {
      const mod = opts.tls ? https : http;
      const req = mod.get(`${url}/v2/`, { rejectUnauthorized: false, timeout: 1000 }, (res) => { res.resume(); r(res.statusCode === 200 || res.statusCode === 401); });
      req.on('error', () => r(false));
      req.on('timeout', () => { req.destroy(); r(false); });
    });
    if (ok) break;
    if (Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`docker-registry did not start: ${stderr}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    host: `127.0.0.1:${port}`, url, dir, proc,
    stop: async () => {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => { const t = setTimeout(() => { proc.kill('SIGKILL'); r(undefined); }, 3000); proc.once('exit', () => { clearTimeout(t); r(undefined); }); });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ───────────────────────────── images in memory ─────────────────────────────

export interface Blob { digest: string; size: number; data: Buffer; mediaType: string }
const mkBlob = (data: Buffer | string, mediaType: string): Blob => {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return { digest: sha(b), size: b.length, data: b, mediaType };
};

export interface TestImage {
  config: Blob;
  layers: Blob[];
  /** Uncompressed layer tars, base first. */
  tars: Buffer[];
  manifest: Blob;
  id: string;
}

export interface ImageOpts {
  layers?: LayerSpec[];
  /** Raw uncompressed layer tars instead of `layers`. */
  rawLayers?: Buffer[];
  osVersion?: string;
  os?: string;
  arch?: string;
  format?: 'oci' | 'docker';
  gzip?: boolean;
  /** Layer indexes made foreign: descriptor gets this URL (index → URL) and the foreign media type. */
  foreign?: Record<number, string>;
  gzipLevel?: number;
  /** Image config fields (Cmd, Entrypoint, User, Env, ...); default `{ Cmd: ['cmd', '/c', 'echo hi'] }`. */
  config?: Record<string, unknown>;
}

export function makeImage(o: ImageOpts = {}): TestImage {
  const oci = (o.format ?? 'docker') === 'oci';
  const gzip = o.gzip ?? true;
  const tars = o.rawLayers ?? (o.layers ?? [{ 'app/hello.txt': 'hello\n' }]).map(buildLayerTar);
  const layerType = oci ? (gzip ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar')
    : (gzip ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : 'application/vnd.docker.image.rootfs.diff.tar');
  const layers = tars.map((t) => mkBlob(gzip ? gzipSync(t, { level: o.gzipLevel ?? 1 }) : t, layerType));
  const os = o.os ?? 'windows';
  const osVersion = o.osVersion ?? '10.0.20348.1';
  const config = mkBlob(JSON.stringify({
    architecture: o.arch ?? 'amd64', os, ...(os === 'windows' ? { 'os.version': osVersion } : {}),
    created: '2024-01-01T00:00:00Z', config: o.config ?? { Cmd: ['cmd', '/c', 'echo hi'] },
    rootfs: { type: 'layers', diff_ids: tars.map((t) => sha(t)) },
  }), oci ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json');
  const manifest = mkBlob(JSON.stringify({
    schemaVersion: 2,
    mediaType: oci ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: config.mediaType, digest: config.digest, size: config.size },
    layers: layers.map((l, i) => (o.foreign?.[i] !== undefined
      ? { mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', digest: l.digest, size: l.size, urls: [o.foreign[i]] }
      : { mediaType: l.mediaType, digest: l.digest, size: l.size })),
  }), oci ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.docker.distribution.manifest.v2+json');
  return { config, layers, tars, manifest, id: config.digest };
}

/** A manifest list / OCI index over images (platform from each image's config). */
export function makeIndex(images: TestImage[], format: 'oci' | 'docker' = 'docker'): Blob {
  const mt = format === 'oci' ? 'application/vnd.oci.image.index.v1+json' : 'application/vnd.docker.distribution.manifest.list.v2+json';
  return mkBlob(JSON.stringify({
    schemaVersion: 2, mediaType: mt,
    manifests: images.map((img) => {
      const c = JSON.parse(img.config.data.toString()) as { os: string; architecture: string; 'os.version'?: string };
      return {
        mediaType: img.manifest.mediaType, digest: img.manifest.digest, size: img.manifest.size,
        platform: { os: c.os, architecture: c.architecture, ...(c['os.version'] ? { 'os.version': c['os.version'] } : {}) },
      };
    }),
  }), mt);
}

// ───────────────────────────── push ─────────────────────────────

export interface PushTarget { url: string; ca?: string; user?: string; password?: string }

async function req(t: PushTarget, method: string, path: string, headers: Record<string, string>, body?: Buffer, auth?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const u = new URL(path, t.url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const r = mod.request(u, {
      method, headers: { ...headers, ...(auth ? { authorization: auth } : {}), ...(body ? { 'content-length': String(body.length) } : { 'content-length': '0' }) },
      ...(t.ca ? { ca: readFileSync(t.ca) } : {}),
    }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(body);
  });
}

/** Minimal distribution push: blobs (monolithic upload), then manifests, then tags. Handles Basic and Bearer. */
export class Pusher {
  private auth?: string;
  constructor(private readonly t: PushTarget) {}

  private async call(method: string, path: string, headers: Record<string, string>, body?: Buffer, repo?: string) {
    let r = await req(this.t, method, path, headers, body, this.auth);
    if (r.status === 401) {
      const ch = String(r.headers['www-authenticate'] ?? '');
      const basic = this.t.user !== undefined ? `Basic ${Buffer.from(`${this.t.user}:${this.t.password ?? ''}`).toString('base64')}` : undefined;
      if (/^Basic/i.test(ch)) this.auth = basic;
      else {
        const realm = /realm="([^"]+)"/.exec(ch)?.[1];
        const service = /service="([^"]+)"/.exec(ch)?.[1];
        const tu = new URL(realm!);
        tu.searchParams.set('service', service ?? '');
        tu.searchParams.set('scope', `repository:${repo}:pull,push`);
        const tr = await req({ url: tu.origin }, 'GET', tu.pathname + tu.search, {}, undefined, basic);
        if (tr.status !== 200) throw new Error(`token request failed: ${tr.status}`);
        this.auth = `Bearer ${(JSON.parse(tr.body.toString()) as { token: string }).token}`;
      }
      r = await req(this.t, method, path, headers, body, this.auth);
    }
    return r;
  }

  async blob(repo: string, b: { digest: string; data: Buffer }): Promise<void> {
    const head = await this.call('HEAD', `/v2/${repo}/blobs/${b.digest}`, {}, undefined, repo);
    if (head.status === 200) return;
    const start = await this.call('POST', `/v2/${repo}/blobs/uploads/`, {}, undefined, repo);
    if (start.status !== 202) throw new Error(`upload start for ${repo}: HTTP ${start.status} ${start.body.toString()}`);
    const loc = new URL(String(start.headers.location), this.t.url);
    loc.searchParams.set('digest', b.digest);
    const put = await this.call('PUT', loc.pathname + loc.search, { 'content-type': 'application/octet-stream' }, b.data, repo);
    if (put.status !== 201) throw new Error(`blob put ${b.digest}: HTTP ${put.status} ${put.body.toString()}`);
  }

  async manifest(repo: string, ref: string, m: Blob): Promise<void> {
    const r = await this.call('PUT', `/v2/${repo}/manifests/${ref}`, { 'content-type': m.mediaType }, m.data, repo);
    if (r.status !== 201) throw new Error(`manifest put ${repo}:${ref}: HTTP ${r.status} ${r.body.toString()}`);
  }

  /** Pushes an image (all blobs, except those listed in skipLayers) and tags its manifest. */
  async image(repo: string, tag: string | undefined, img: TestImage, skipLayers: number[] = []): Promise<void> {
    await this.blob(repo, img.config);
    for (const [i, l] of img.layers.entries()) if (!skipLayers.includes(i)) await this.blob(repo, l);
    await this.manifest(repo, img.manifest.digest, img.manifest);
    if (tag) await this.manifest(repo, tag, img.manifest);
  }

  async index(repo: string, tag: string, images: TestImage[], index: Blob): Promise<void> {
    for (const img of images) await this.image(repo, undefined, img);
    await this.manifest(repo, tag, index);
  }
}

// ───────────────────────────── fault proxy ─────────────────────────────

export type Fault =
  | { kind: 'status'; status: number }
  | { kind: 'cut'; after: number }
  | { kind: 'truncate'; bytes: number }
  /** Flips the byte at `at`; with `truncate`, the body is also that many bytes short (content-length consistent). */
  | { kind: 'corrupt'; at: number; truncate?: number }
  | { kind: 'slow'; bytesPerSecond: number }
  /** Sends the headers and the first chunk, then holds the rest of the body until `until` resolves. */
  | { kind: 'stall'; until: Promise<void> }
  | { kind: 'noRange' };

export interface FaultProxy {
  url: string;
  host: string;
  /** Decides per request (method, path, Range header); undefined passes through. */
  fault: (method: string, path: string, range: string | undefined) => Fault | undefined;
  /** Requests seen: method path [range]. */
  log: string[];
  close(): Promise<void>;
}

/** An HTTP proxy in front of a registry that can fail, cut, truncate, corrupt or slow responses. */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const up = new URL(upstream);
  const p: FaultProxy = { url: '', host: '', fault: () => undefined, log: [], close: async () => undefined };
  const server = http.createServer((creq, cres) => {
    const range = creq.headers.range;
    p.log.push(`${creq.method} ${creq.url}${range ? ' ' + range : ''}`);
    const f = p.fault(creq.method ?? 'GET', creq.url ?? '/', range);
    if (f?.kind === 'status') { creq.resume(); cres.writeHead(f.status, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNKNOWN","message":"injected"}]}'); return; }
    const headers = { ...creq.headers, host: up.host };
    if (f?.kind === 'noRange') delete headers.range;
    const preq = http.request({ hostname: up.hostname, port: up.port, path: creq.url, method: creq.method, headers }, (pres) => {
      const h = { ...pres.headers };
      if (f?.kind === 'truncate') {
        // consistent, shorter body: the content-length says so
        const parts: Buffer[] = [];
        pres.on('data', (c: Buffer) => parts.push(c));
        pres.on('end', () => {
          const all = Buffer.concat(parts).subarray(0, Math.max(0, Buffer.concat(parts).length - f.bytes));
          h['content-length'] = String(all.length);
          cres.writeHead(pres.statusCode ?? 502, h).end(all);
        });
        return;
      }
      if (f?.kind === 'corrupt') {
        const parts: Buffer[] = [];
        pres.on('data', (c: Buffer) => parts.push(c));
        pres.on('end', () => {
          let all = Buffer.concat(parts);
          if (all.length > f.at) all[f.at] = all[f.at]! ^ 0xff;
          if (f.truncate) { all = all.subarray(0, Math.max(0, all.length - f.truncate)); h['content-length'] = String(all.length); }
          cres.writeHead(pres.statusCode ?? 502, h).end(all);
        });
        return;
      }
      cres.writeHead(pres.statusCode ?? 502, h);
      if (f?.kind === 'cut') {
        let sent = 0;
        pres.on('data', (c: Buffer) => {
          if (sent >= f.after) return;
          const part = c.subarray(0, f.after - sent);
          sent += part.length;
          cres.write(part);
          if (sent >= f.after) { pres.destroy(); setTimeout(() => cres.socket?.destroy(), 20); }
        });
        return;
      }
      if (f?.kind === 'slow') {
        pres.on('data', (c: Buffer) => { pres.pause(); cres.write(c); setTimeout(() => pres.resume(), (c.length * 1000) / f.bytesPerSecond); });
        pres.on('end', () => cres.end());
        cres.on('close', () => pres.destroy());
        return;
      }
      if (f?.kind === 'stall') {
        pres.once('data', (c: Buffer) => {
          pres.pause();
          cres.write(c);
          f.until.then(() => { if (!cres.destroyed) pres.pipe(cres); pres.resume(); }, () => cres.destroy());
        });
        cres.on('close', () => pres.destroy());
        return;
      }
      pres.pipe(cres);
    });
    preq.on('error', () => cres.destroy());
    creq.pipe(preq);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  p.url = `http://127.0.0.1:${port}`;
  p.host = `127.0.0.1:${port}`;
  p.close = () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); });
  return p;
}

/** A plain HTTP server for foreign layers: path → content. Counts requests. */
export async function startBlobServer(files: Record<string, Buffer>): Promise<{ url: string; hits: Record<string, number>; close(): Promise<void> }> {
  const hits: Record<string, number> = {};
  const server = http.createServer((q, s) => {
    const path = q.url ?? '/';
    hits[path] = (hits[path] ?? 0) + 1;
    const f = files[path];
    if (!f) { s.writeHead(404).end(); return; }
    s.writeHead(200, { 'content-length': String(f.length), 'content-type': 'application/octet-stream' }).end(f);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, hits,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
