import { randomBytes, randomUUID } from 'node:crypto';
import { invalidArgument, notFound } from '../errors.js';

/** 32 random bytes, hex: the 64-character IDs kubelet and crictl expect for pods and containers. */
export function generateId(): string {
  return randomBytes(32).toString('hex');
}

export function generateGuid(): string {
  return randomUUID();
}

/**
 * Unique-prefix lookup over a set of IDs (crictl shows 13 characters and passes them back verbatim).
 * Sandbox and container IDs share one index, as in containerd.
 */
export class IdIndex {
  private readonly ids = new Set<string>();

  add(id: string): void { this.ids.add(id); }
  delete(id: string): void { this.ids.delete(id); }
  has(id: string): boolean { return this.ids.has(id); }

  /** Full ID for an exact ID or unique prefix; undefined when none matches. Ambiguous prefixes are an error. */
  resolve(prefix: string, what = 'ID'): string | undefined {
    if (!prefix) throw invalidArgument(`${what} must not be empty`);
    if (this.ids.has(prefix)) return prefix;
    let found: string | undefined;
    for (const id of this.ids) {
      if (id.startsWith(prefix)) {
        if (found !== undefined) throw invalidArgument(`${what} prefix "${prefix}" is ambiguous: it matches more than one ID`);
        found = id;
      }
    }
    return found;
  }

  mustResolve(prefix: string, what: string): string {
    const id = this.resolve(prefix, what);
    if (id === undefined) throw notFound(`${what} "${prefix}" not found`);
    return id;
  }
}
