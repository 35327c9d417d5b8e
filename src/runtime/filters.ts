/**
 * CRI list filters. All given fields are ANDed; the label selector requires every key to be present with an
 * equal value; IDs in a filter are first resolved as unique prefixes (an unknown or ambiguous ID matches nothing).
 */
import type { ContainerRecord, ContainerState, SandboxRecord, SandboxState } from './model.js';

export interface SandboxFilter { id?: string; state?: SandboxState; labelSelector?: Record<string, string> }
export interface ContainerFilter { id?: string; state?: ContainerState; podSandboxId?: string; labelSelector?: Record<string, string> }

export function labelsMatch(labels: Record<string, string>, selector?: Record<string, string>): boolean {
  return matchesAll(labels, selectorEntries(selector));
}

/** A selector's pairs, found once per list rather than once per record; undefined when it selects everything. */
function selectorEntries(selector: Record<string, string> | undefined): [string, string][] | undefined {
  if (!selector) return undefined;
  const pairs = Object.entries(selector);
  return pairs.length > 0 ? pairs : undefined;
}

function matchesAll(labels: Record<string, string>, pairs: [string, string][] | undefined): boolean {
  if (!pairs) return true;
  for (const [k, v] of pairs) if (labels[k] !== v) return false;
  return true;
}

/** `resolve` maps an ID or unique prefix to the full ID, or undefined when nothing (or more than one) matches. */
export type Resolve = (idOrPrefix: string) => string | undefined;

export function filterSandboxes(all: Iterable<SandboxRecord>, f: SandboxFilter | undefined, resolve: Resolve): SandboxRecord[] {
  const id = f?.id ? resolve(f.id) : undefined;
  if (f?.id && !id) return [];
  const state = f?.state;
  const pairs = selectorEntries(f?.labelSelector);
  const out: SandboxRecord[] = [];
  for (const s of all) {
    if (id && s.id !== id) continue;
    if (state && s.state !== state) continue;
    if (!matchesAll(s.config.labels, pairs)) continue;
    out.push(s);
  }
  return out;
}

export function filterContainers(all: Iterable<ContainerRecord>, f: ContainerFilter | undefined, resolve: Resolve): ContainerRecord[] {
  const id = f?.id ? resolve(f.id) : undefined;
  if (f?.id && !id) return [];
  const pod = f?.podSandboxId ? resolve(f.podSandboxId) : undefined;
  if (f?.podSandboxId && !pod) return [];
  const state = f?.state;
  const pairs = selectorEntries(f?.labelSelector);
  const out: ContainerRecord[] = [];
  for (const c of all) {
    if (id && c.id !== id) continue;
    if (pod && c.sandboxId !== pod) continue;
    if (state && c.state !== state) continue;
    if (!matchesAll(c.config.labels, pairs)) continue;
    out.push(c);
  }
  return out;
}
