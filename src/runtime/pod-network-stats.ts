/**
 * Pod network statistics from the pod's HNS endpoints, as containerd does on Windows: the endpoints attached to
 * the pod's HNS namespace, each queried with HcnQueryEndpointStats. Interfaces are named by endpoint GUID (what
 * containerd reports); the first one is the default interface (Windows has no notion of a default).
 */
import { isGone } from '../platform/hresult.js';
import { parseEndpointStats, type EndpointCounters } from '../platform/hcn/document/index.js';
import { logger } from '../util/log.js';
import { type SandboxRecord, nowNs } from './model.js';
import type { RuntimeState } from './state.js';

const log = logger('stats');

export interface PodNetworkSample {
  timestampNs: bigint;
  /** In namespace order; empty when the pod has a namespace but no endpoint (no CNI). */
  interfaces: EndpointCounters[];
}

/** The endpoint GUIDs of a namespace document's resources (Data.ID; Go's JSON decoding also accepts Data.Id). */
export function namespaceEndpointIds(resources: { Type?: string; Data?: unknown }[] | undefined): string[] {
  const ids: string[] = [];
  for (const r of resources ?? []) {
    if (r.Type !== 'Endpoint' || !r.Data || typeof r.Data !== 'object') continue;
    const d = r.Data as { ID?: unknown; Id?: unknown };
    const id = typeof d.ID === 'string' ? d.ID : typeof d.Id === 'string' ? d.Id : '';
    if (id) ids.push(id);
  }
  return ids;
}

/**
 * Undefined for pods without an HNS namespace (host network, HostProcess) or whose namespace is gone. An endpoint
 * removed meanwhile is left out. Any other failure (HNS error, malformed statistics document) is logged and that
 * part left out, as containerd does: network counters never fail a pod's (or every pod's) stats.
 */
export async function podNetworkStats(st: RuntimeState, s: SandboxRecord): Promise<PodNetworkSample | undefined> {
  if (!s.namespaceId) return undefined;
  const { network } = st.opts.platform;
  const skip = (what: string, fields: Record<string, unknown>) => (e: unknown): undefined => {
    if (!isGone(e)) log.warn(`${what}; left out of the pod's network stats`, { pod: s.id, ...fields, error: e });
    return undefined;
  };
  const ns = await network.queryNamespace(s.namespaceId).catch(skip('cannot query the HNS namespace', { namespace: s.namespaceId }));
  if (!ns) return undefined;
  const interfaces: EndpointCounters[] = [];
  for (const id of namespaceEndpointIds(ns.Resources)) {
    const doc = await network.queryEndpointStats(id).catch(skip('cannot query endpoint statistics', { endpoint: id }));
    if (doc === undefined) continue;
    try {
      interfaces.push(parseEndpointStats(doc, id));
    } catch (e) {
      skip('endpoint statistics not understood', { endpoint: id })(e);
    }
  }
  return { timestampNs: BigInt(nowNs()), interfaces };
}
