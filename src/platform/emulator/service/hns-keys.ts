/**
 * The objects an HNS endpoint or namespace change touches (hns-locks.ts keys): its own, and the namespace an
 * endpoint is in or the endpoints a namespace holds, looked up when the change is asked.
 */
import type { NetworkEmulator } from './network.js';
import { norm } from './network-wire.js';

// Normalised as ids are compared (network-wire.ts eq): `{GUID}` and `guid` are one object, so one key.
const ep = (id: unknown) => `ep:${norm(String(id))}`;
const ns = (id: unknown) => `ns:${norm(String(id))}`;

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
    // With the endpoints it holds and those detached from it whose veth is still pending (network-reaper.ts): a
    // re-attach of one of those elsewhere must wait until this deletion no longer reaps that veth.
    case 'deleteNamespace': return [ns(p.id), ...n.endpointsInNamespace(String(p.id)).map(ep), ...n.pendingVethsOf(String(p.id)).map(ep)];
    case 'modifyNamespace': {
      const e = endpointOfRequest(p.request);
      return e ? [ns(p.id), ep(e)] : [ns(p.id)];
    }
    default: return [];
  }
}
