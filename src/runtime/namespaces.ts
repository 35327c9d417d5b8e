/**
 * Markers for the HNS namespaces this runtime created (<state>/namespaces/<guid>.json), so recovery removes only
 * its own orphans and never touches a foreign namespace.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, removeIfPresent } from '../util/atomic.js';

export async function ownedNamespaces(stateDir: string): Promise<Set<string>> {
  try {
    return new Set((await readdir(join(stateDir, 'namespaces'))).map((f) => f.replace(/\.json$/, '').toLowerCase()));
  } catch {
    return new Set();
  }
}

export async function markNamespace(stateDir: string, id: string, owned: boolean): Promise<void> {
  const file = join(stateDir, 'namespaces', `${id.toLowerCase()}.json`);
  if (owned) await writeFileAtomic(file, JSON.stringify({ id }));
  else await removeIfPresent(file);
}
