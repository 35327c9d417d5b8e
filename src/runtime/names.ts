import { alreadyExists } from '../errors.js';

/**
 * Name reservations for pods and containers. A name is held from Run/Create until Remove (not Stop), so a
 * second request with identical metadata fails while the first object exists.
 */
export class NameRegistry {
  private readonly byName = new Map<string, string>();

  reserve(name: string, id: string, what: string): void {
    const holder = this.byName.get(name);
    if (holder !== undefined && holder !== id) {
      throw alreadyExists(`${what} name "${name}" is already reserved for ${holder}; remove it first`);
    }
    this.byName.set(name, id);
  }

  release(name: string, id?: string): void {
    if (id === undefined || this.byName.get(name) === id) this.byName.delete(name);
  }

  holder(name: string): string | undefined { return this.byName.get(name); }

  /** IDs holding a name (created objects and those being created). */
  ids(): Set<string> { return new Set(this.byName.values()); }
}

export function sandboxName(m: { name: string; namespace: string; uid: string; attempt: number }): string {
  return [m.name, m.namespace, m.uid, String(m.attempt)].join('_');
}

export function containerName(c: { name: string; attempt: number }, pod: { name: string; namespace: string; uid: string }): string {
  return [c.name, pod.name, pod.namespace, pod.uid, String(c.attempt)].join('_');
}
