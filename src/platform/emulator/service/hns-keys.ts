/**
 * The objects an HNS endpoint or namespace change touches (hns-locks.ts keys): its own, and the namespace an
 * endpoint is in or the endpoints a namespace holds, looked up when the change is asked.
 */
import type { NetworkEmulator } from './network.js';

const ep = (id: unknown) => `ep:${String(id).toLowerCase()}`;
const ns = (id: unknown) => `ns:${String(id).toLowerCase()}`;

function endpointOfRequest(request: unknown): string | undefined {
  try {
    const r = (typeof request === 'string' ? JSON.parse(request) : request) as { Settings?: { EndpointId?: unknown } } | undefined;
    return typeof r?.Settings?.EndpointId === 'string' ? r.Settings.EndpointId : undefined;
  } catch { return undefined; }
}

export function hnsKeys(n: NetworkEmulator, method: string, p: Record<string, unknown>): string[] {
  switch (method) {
    case 'createEndpoint': return [ep(p.id ?? '')];
    case 'deleteEndpoint': {
      const inNs = n.namespaceOfEndpoint(String(p.id));
      return inNs ? [ep(p.id), ns(inNs)] : [ep(p.id)];
    }
    case 'createNamespace': return [ns(p.id ?? '')];
    case 'deleteNamespace': return [ns(p.id), ...n.endpointsInNamespace(String(p.id)).map(ep)];
    case 'modifyNamespace': {
      const e = endpointOfRequest(p.request);
      return e ? [ns(p.id), ep(e)] : [ns(p.id)];
    }
    default: return [];
  }
}
