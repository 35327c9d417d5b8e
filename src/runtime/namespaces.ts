/**
 * Markers for the HNS namespaces this runtime created (<state>/namespaces/<guid>.json), so recovery removes only
 * its own orphans and never touches a foreign namespace. Only the file names are read: a marker is an empty file
 * (util/name-marker.ts; markers written before hold `{"id":…}`, which nothing reads either).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { removeIfPresent } from '../util/atomic.js';
import { createNameMarker } from '../util/name-marker.js';

export async function ownedNamespaces(stateDir: string): Promise<Set<string>> {
  try {
    return new Set((await readdir(join(stateDir, 'namespaces'))).map((f) => f.replace(/\.json$/, '').toLowerCase()));
  } catch {
    return new Set();
  }
}

export async function markNamespace(stateDir: string, id: string, owned: boolean): Promise<void> {
  const file = join(stateDir, 'namespaces', `${id.toLowerCase()}.json`);
  if (owned) await createNameMarker(file);
  else await removeIfPresent(file);
}
