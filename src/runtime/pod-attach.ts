/**
 * RunPodSandbox's network steps: the pod's HNS namespace (marked as this runtime's first, so recovery removes it
 * when no pod record owns it) and its CNI attachment. The attachment's first record is written while the
 * namespace is created (its plugins wait for the namespace); what it leaves in flight (`recorded`) the caller
 * awaits beside the pod's record. Every step registers its undo.
 */
import { buildNamespace } from '../platform/hcn/document/index.js';
import type { SandboxConfig } from './model.js';
import type { RuntimeState } from './state.js';
import type { PodNetworkAttachment, PodNetworkRequest } from './ports.js';
import { markNamespace } from './namespaces.js';
import { generateGuid } from './ids.js';
import { isGone } from '../platform/hresult.js';

export function networkRequest(id: string, c: SandboxConfig, namespaceId: string): PodNetworkRequest {
  return {
    sandboxId: id, namespaceId,
    pod: { name: c.metadata.name, namespace: c.metadata.namespace, uid: c.metadata.uid },
    portMappings: c.portMappings, dns: c.dns, annotations: c.annotations,
  };
}

export type Undo = (() => Promise<unknown>)[];

export interface PodAttachment extends PodNetworkAttachment { namespaceId?: string }

export async function attachPod(st: RuntimeState, id: string, config: SandboxConfig, undo: Undo): Promise<PodAttachment> {
  if (config.hostProcess) return { ips: [] };
  const { platform, network, stateDir } = st.opts;
  const namespaceId = generateGuid();
  // Before the namespace can exist: a crash after its creation finds the marker (namespaces.ts).
  await markNamespace(stateDir, namespaceId, true);
  const unmark = () => markNamespace(stateDir, namespaceId, false);
  undo.push(unmark);
  const created = platform.network.createNamespace(namespaceId, buildNamespace());
  const req = networkRequest(id, config, namespaceId);
  // The set-up's first record needs no namespace; its plugins start once `created` resolved. A crash meanwhile
  // leaves the record of an attachment no pod owns, which recovery's CNI GC removes (DEL is idempotent).
  const attaching = network?.setUp({ ...req, namespaceReady: created });
  const [ns, att] = await Promise.allSettled([created, attaching]);
  if (ns.status === 'rejected') {
    // The set-up failed with it and dropped its record. The service may have made the namespace before it failed
    // (killed, or ended because it could not leave the new namespace): delete it; when that cannot be confirmed
    // the marker stays, so recovery removes the namespace once the service answers again.
    const gone = await platform.network.deleteNamespace(namespaceId).then(() => true, (e: unknown) => isGone(e));
    if (!gone) undo.splice(undo.indexOf(unmark), 1);
    throw ns.reason;
  }
  undo.push(() => platform.network.deleteNamespace(namespaceId));
  if (att.status === 'rejected') throw att.reason; // CNI ADD rolls itself back (DEL) when it fails
  if (!att.value || !network) return { ips: [], namespaceId };
  // Once it succeeded, a later failure needs a DEL (after its record's write settled: runPodSandbox).
  undo.push(() => network.tearDown(req));
  return { ...att.value, namespaceId };
}
