/** Drives the wincri CNI plugin as a CNI runtime does: env + stdin JSON → stdout JSON + exit code. */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmulatorPlatform, type EmulatorPlatform } from '../../src/platform/emulator/index.js';
import { stopEmulatorService } from '../../src/platform/emulator/service-stop.js';
import { buildNamespace } from '../../src/platform/hcn/document/index.js';
import type { WaitOptions } from '../helpers/wait-for.js';

/** Repository root (tests run from dist/test/cni). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = join(ROOT, 'cni', 'bin');

export interface CniCall {
  command: string;
  conf?: unknown;
  stdin?: string;
  containerId?: string;
  netns?: string;
  ifname?: string;
  args?: string;
  env?: Record<string, string | undefined>;
  binary?: string;
}
export interface CniReply { code: number; stdout: string; json: any; stderr: string }

export class CniHarness {
  platform!: EmulatorPlatform;
  stateDir!: string;
  dataDir!: string;
  private constructor(readonly dir: string) {}

  static async start(): Promise<CniHarness> {
    const dir = await mkdtemp(join(tmpdir(), 'wincri-cni-'));
    const h = new CniHarness(dir);
    h.stateDir = join(dir, 'emulator');
    h.dataDir = join(dir, 'ipam');
    h.platform = await createEmulatorPlatform({ stateDir: h.stateDir });
    return h;
  }

  /** Deletes every HNS object (with root the emulator built Linux bridges, veths and rules for them). */
  async cleanup(): Promise<void> {
    const n = this.platform.network;
    for (const e of await n.enumerateEndpoints().catch(() => [])) await n.deleteEndpoint(e.ID!).catch(() => undefined);
    for (const s of await n.enumerateNamespaces().catch(() => [])) await n.deleteNamespace(s.ID!).catch(() => undefined);
    for (const x of await n.enumerateNetworks().catch(() => [])) await n.deleteNetwork(x.ID!).catch(() => undefined);
  }

  async stop(): Promise<void> {
    await this.cleanup().catch(() => undefined);
    await this.platform.close().catch(() => undefined);
    await stopEmulatorService(this.stateDir, { removingStateDir: true });
    await rm(this.dir, { recursive: true, force: true });
  }

  async namespace(): Promise<string> {
    return (await this.platform.network.createNamespace('', buildNamespace())).ID!;
  }

  /** Runs the plugin binary (the one named by the conf type, as libcni would pick it). */
  run(c: CniCall): Promise<CniReply> {
    const conf = c.conf as { type?: string } | undefined;
    const binary = c.binary ?? (conf && typeof conf.type === 'string' && ['nat', 'overlay', 'l2bridge'].includes(conf.type) ? conf.type : 'wincri-cni');
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', WINCRI_EMULATOR_STATE_DIR: this.stateDir, CNI_PATH: BIN };
    if (c.command) env.CNI_COMMAND = c.command;
    if (c.containerId !== undefined) env.CNI_CONTAINERID = c.containerId;
    if (c.netns !== undefined) env.CNI_NETNS = c.netns;
    env.CNI_IFNAME = c.ifname ?? 'eth0';
    if (c.args !== undefined) env.CNI_ARGS = c.args;
    for (const [k, v] of Object.entries(c.env ?? {})) { if (v === undefined) delete env[k]; else env[k] = v; }
    const stdin = c.stdin ?? JSON.stringify(c.conf ?? {});
    return new Promise((res, rej) => {
      const p = spawn(join(BIN, binary), [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d: Buffer) => { out += d; });
      p.stderr.on('data', (d: Buffer) => { err += d; });
      p.on('error', rej);
      p.on('close', (code) => {
        let json: any;
        try { json = out.trim() ? JSON.parse(out) : undefined; } catch { json = undefined; }
        res({ code: code ?? -1, stdout: out, json, stderr: err });
      });
      p.stdin.end(stdin);
    });
  }

  async endpoint(name: string) {
    return (await this.platform.network.enumerateEndpoints({ SchemaVersion: { Major: 2, Minor: 0 }, Flags: 0, Filter: JSON.stringify({ Name: name }) }))[0];
  }
  async network(name: string) {
    return (await this.platform.network.enumerateNetworks({ SchemaVersion: { Major: 2, Minor: 0 }, Flags: 0, Filter: JSON.stringify({ Name: name }) }))[0];
  }
}

/** A minimal Kubernetes API server: nodes (list + chunked watch with replay from resourceVersion), pods (get). */
export class FakeKube {
  private server?: http.Server;
  private rv = 100;
  readonly nodes = new Map<string, any>();
  readonly pods = new Map<string, any>();
  private history: { rv: number; type: string; object: any }[] = [];
  private watches = new Set<http.ServerResponse>();
  listCount = 0;
  watchCount = 0;
  failLists = 0;
  port = 0;

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }
  async stop(): Promise<void> {
    for (const w of this.watches) w.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }
  async kubeconfig(dir: string): Promise<string> {
    const file = join(dir, 'kubeconfig');
    await writeFile(file, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'test',
      clusters: [{ name: 'test', cluster: { server: `http://127.0.0.1:${this.port}`, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'test', user: { token: 'test-token' } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'test' } }],
    }));
    return file;
  }

  /** Adds or replaces a node; `silent` changes state without a watch event (an event lost in a disconnect). */
  setNode(node: any, silent = false): void {
    const name = node.metadata.name;
    const type = this.nodes.has(name) ? 'MODIFIED' : 'ADDED';
    node.metadata.resourceVersion = String(++this.rv);
    this.nodes.set(name, node);
    if (!silent) this.emit(type, node);
  }
  deleteNode(name: string): void {
    const n = this.nodes.get(name);
    if (!n) return;
    this.nodes.delete(name);
    n.metadata.resourceVersion = String(++this.rv);
    this.emit('DELETED', n);
  }
  /** Cuts every open watch connection. */
  dropWatches(): void {
    for (const w of this.watches) w.socket?.destroy();
    this.watches.clear();
  }
  get openWatches(): number { return this.watches.size; }

  private emit(type: string, object: any): void {
    this.history.push({ rv: this.rv, type, object: structuredClone(object) });
    for (const w of this.watches) w.write(JSON.stringify({ type, object }) + '\n');
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (code: number, body: unknown) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); };
    if (url.pathname === '/api/v1/nodes') {
      if (url.searchParams.get('watch') === 'true') {
        this.watchCount++;
        const from = Number(url.searchParams.get('resourceVersion') ?? 0);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
        for (const e of this.history) if (e.rv > from) res.write(JSON.stringify({ type: e.type, object: e.object }) + '\n');
        this.watches.add(res);
        res.on('close', () => this.watches.delete(res));
        return;
      }
      this.listCount++;
      if (this.failLists > 0) { this.failLists--; return json(500, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 500, message: 'injected' }); }
      return json(200, { kind: 'NodeList', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items: [...this.nodes.values()] });
    }
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const pod = this.pods.get(`${m[1]}/${m[2]}`);
      if (!pod) return json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound', message: 'pods not found' });
      return json(200, pod);
    }
    json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, message: 'not found' });
  }
}

export function node(name: string, podCIDR: string | undefined, ip: string, annotations: Record<string, string> = {}): any {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, annotations },
    spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
    status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] },
  };
}

/** How the CNI tests poll (waitFor options): every 50 ms, a failing poll is "not yet", 10 s unless told. */
export const cniPoll = (timeoutMs = 10_000): WaitOptions => ({ timeoutMs, intervalMs: 50, retryErrors: true });
