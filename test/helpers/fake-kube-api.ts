/**
 * A minimal Kubernetes API server for tests: v1 Nodes only, `GET /api/v1/nodes` (list) and
 * `GET /api/v1/nodes?watch=true[&resourceVersion=N]` (chunked watch events, replayed from N). It can listen on
 * several addresses at once (for example one per simulated node's network), and writes a kubeconfig per address.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';

export interface KubeNode {
  apiVersion?: string; kind?: string;
  metadata: { name: string; annotations?: Record<string, string>; resourceVersion?: string };
  spec?: { podCIDR?: string; podCIDRs?: string[] };
  status?: { addresses?: { type: string; address: string }[] };
}

/** A Node with a pod CIDR and an InternalIP (plus optional annotations). */
export function kubeNode(name: string, podCIDR: string, internalIP: string, annotations: Record<string, string> = {}): KubeNode {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, annotations },
    spec: { podCIDR, podCIDRs: [podCIDR] },
    status: { addresses: [{ type: 'InternalIP', address: internalIP }, { type: 'Hostname', address: name }] },
  };
}

export class FakeKubeApi {
  private readonly servers: http.Server[] = [];
  private readonly nodes = new Map<string, KubeNode>();
  private readonly history: { rv: number; type: string; object: KubeNode }[] = [];
  private readonly watches = new Set<http.ServerResponse>();
  private rv = 1000;
  listCount = 0;
  watchCount = 0;

  /** Listens on `host` (port chosen by the kernel); returns the server URL. */
  async listen(host: string): Promise<string> {
    const server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, host, resolve); });
    this.servers.push(server);
    return `http://${host}:${(server.address() as AddressInfo).port}`;
  }

  /** Writes a kubeconfig for `server` (a URL returned by listen) to `file`. */
  static writeKubeconfig(file: string, server: string): string {
    writeFileSync(file, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'test',
      // client-node refuses plain http unless TLS verification is switched off.
      clusters: [{ name: 'test', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'test', user: { token: 'test-token' } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'test' } }],
    }));
    return file;
  }

  get openWatches(): number { return this.watches.size; }

  /** Adds or replaces a node (ADDED / MODIFIED event). */
  setNode(node: KubeNode): void {
    const type = this.nodes.has(node.metadata.name) ? 'MODIFIED' : 'ADDED';
    const n = structuredClone(node);
    n.metadata.resourceVersion = String(++this.rv);
    this.nodes.set(n.metadata.name, n);
    this.emit(type, n);
  }

  deleteNode(name: string): void {
    const n = this.nodes.get(name);
    if (!n) return;
    this.nodes.delete(name);
    n.metadata.resourceVersion = String(++this.rv);
    this.emit('DELETED', n);
  }

  async close(): Promise<void> {
    for (const w of this.watches) w.destroy();
    this.watches.clear();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); })));
    this.servers.length = 0;
  }

  private emit(type: string, object: KubeNode): void {
    this.history.push({ rv: this.rv, type, object });
    const line = JSON.stringify({ type, object }) + '\n';
    for (const w of this.watches) w.write(line);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (code: number, body: unknown) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); };
    if (req.method !== 'GET' || url.pathname !== '/api/v1/nodes') {
      return json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound', message: `${req.method} ${url.pathname} not served` });
    }
    if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
      this.watchCount++;
      const from = Number(url.searchParams.get('resourceVersion') ?? 0) || 0;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      for (const e of this.history) if (e.rv > from) res.write(JSON.stringify({ type: e.type, object: e.object }) + '\n');
      this.watches.add(res);
      res.on('close', () => this.watches.delete(res));
      return;
    }
    this.listCount++;
    json(200, { kind: 'NodeList', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items: [...this.nodes.values()] });
  }
}
