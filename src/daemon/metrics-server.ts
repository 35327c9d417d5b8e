/**
 * The HTTP endpoint for Prometheus: `/metrics` (text format) and `/healthz` (200 once every readiness check
 * passes, else 503 naming the checks that do not). Meant for a loopback address.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A readiness check: undefined when ready, else why not. */
export type ReadinessCheck = () => string | undefined;

export interface MetricsServer { address: string; close(): Promise<void> }

export function splitHostPort(a: string): [string, number] {
  const i = a.lastIndexOf(':');
  if (i < 0 || !/^\d+$/.test(a.slice(i + 1))) throw new Error(`metrics.address "${a}" is not host:port`);
  return [a.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1', Number(a.slice(i + 1))];
}

export async function startMetricsServer(address: string, registry: Registry, checks: Record<string, ReadinessCheck>): Promise<MetricsServer> {
  const [host, port] = splitHostPort(address);
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.writeHead(405, { allow: 'GET, HEAD' }).end(); return; }
    if (path === '/metrics') {
      registry.metrics().then(
        (m) => res.writeHead(200, { 'content-type': registry.contentType }).end(m),
        (e) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`collecting metrics failed: ${String(e)}\n`));
    } else if (path === '/healthz') {
      const failing = Object.entries(checks).flatMap(([name, check]) => { const why = check(); return why ? [`${name}: ${why}`] : []; });
      res.writeHead(failing.length ? 503 : 200, { 'content-type': 'text/plain' }).end(failing.length ? `not ready\n${failing.join('\n')}\n` : 'ok\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const a = server.address() as AddressInfo;
  return {
    address: a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`,
    close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}
