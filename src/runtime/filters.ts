/**
 * CRI list filters. All given fields are ANDed; the label selector requires every key to be present with an
 * equal value; IDs in a filter are first resolved as unique prefixes (an unknown or ambiguous ID matches nothing).
 */
import type { ContainerRecord, ContainerState, SandboxRecord, SandboxState } from './model.js';

export interface SandboxFilter { id?: string; state?: SandboxState; labelSelector?: Record<string, string> }
export interface ContainerFilter { id?: string; state?: ContainerState; podSandboxId?: string; labelSelector?: Record<string, string> }

export function labelsMatch(labels: Record<string, string>, selector?: Record<string, string>): boolean {
  if (!selector) return true;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** `resolve` maps an ID or unique prefix to the full ID, or undefined when nothing (or more than one) matches. */
export type Resolve = (idOrPrefix: string) => string | undefined;

export function filterSandboxes(all: Iterable<SandboxRecord>, f: SandboxFilter | undefined, resolve: Resolve): SandboxRecord[] {
  const id = f?.id ? resolve(f.id) : undefined;
  if (f?.id && !id) return [];
  const out: SandboxRecord[] = [];
  for (const s of all) {
    if (id && s.id !== id) continue;
    if (f?.state && s.state !== f.state) continue;
    if (!labelsMatch(s.config.labels, f?.labelSelector)) continue;
    out.push(s);
  }
  return out;
}

export function filterContainers(all: Iterable<ContainerRecord>, f: ContainerFilter | undefined, resolve: Resolve): ContainerRecord[] {
  const id = f?.id ? resolve(f.id) : undefined;
  if (f?.id && !id) return [];
  const pod = f?.podSandboxId ? resolve(f.podSandboxId) : undefined;
  if (f?.podSandboxId && !pod) return [];
  const out: ContainerRecord[] = [];
  for (const c of all) {
    if (id && c.id !== id) continue;
    if (pod && c.sandboxId !== pod) continue;
    if (f?.state && c.state !== f.state) continue;
    if (!labelsMatch(c.config.labels, f?.labelSelector)) continue;
    out.push(c);
  }
  return out;
}
