/**
 * "Every pod fully present": the other half of the leak audit (objects without an owner). A pod the daemon lists
 * as ready has its HNS namespace, and a running container has its compute system. Process-isolated containers
 * only (what the chaos churn runs): a HostProcess container is a job, not a compute system.
 */
import type { PlatformView, Records } from '../../src/cli/doctor/leaks.js';

export function incomplete(records: Records, view: Pick<PlatformView, 'systems' | 'namespaces'>): string[] {
  const namespaces = new Set(view.namespaces.map((n) => n.id));
  const systems = new Set(view.systems.map((s) => s.id));
  const out: string[] = [];
  for (const s of records.sandboxes) {
    if (s.state === 'SANDBOX_READY' && s.namespaceId && !namespaces.has(s.namespaceId)) out.push(`INCOMPLETE pod ${s.id.slice(0, 12)}: ready, but its HNS namespace ${s.namespaceId} is gone`);
  }
  for (const c of records.containers) {
    if (c.state === 'CONTAINER_RUNNING' && !systems.has(c.id)) out.push(`INCOMPLETE container ${c.id.slice(0, 12)}: running, but its compute system is gone`);
  }
  return out;
}
