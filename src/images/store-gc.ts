/** The image store's garbage collection: layers and blobs that no image, lease or running import references are removed. */
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { logger } from '../util/log.js';
import { errorMessage } from '../errors.js';
import type { LayerMeta } from './store-model.js';
import type { StoreState } from './store-state.js';

const log = logger('images');

/** Layer folders that never made it into the metadata (crash during import) are destroyed; run at open. */
export async function removeUnrecordedLayers(s: StoreState): Promise<void> {
  for (const name of await readdir(s.layersDir)) {
    if (!s.meta.layers[`sha256:${name}`]) {
      log.info('removing unrecorded layer left by an interrupted import', { layer: name });
      await s.storage.destroyLayer(join(s.layersDir, name)).catch((e) => log.warn('destroy layer failed', { layer: name, err: errorMessage(e) }));
    }
  }
}

/** What the images reference; computed once per collection (images change only under the mutex, which it holds). */
function imageRefs(s: StoreState): { chains: Set<string>; blobs: Set<string> } {
  const chains = new Set<string>();
  const blobs = new Set<string>();
  for (const img of Object.values(s.meta.images)) {
    for (const c of img.chainIds) chains.add(c);
    for (const b of img.blobs) blobs.add(b);
  }
  return { chains, blobs };
}

/** Leases and running imports change without the mutex: looked at right before each removal. */
function chainInUse(s: StoreState, images: Set<string>, chainId: string): boolean {
  if (images.has(chainId) || s.inflight.has(chainId)) return true;
  for (const l of s.leases) if (l.chains.has(chainId)) return true;
  return false;
}

function blobInUse(s: StoreState, images: Set<string>, digest: string): boolean {
  if (images.has(digest)) return true;
  for (const l of s.leases) if (l.blobs.has(digest)) return true;
  return false;
}

/**
 * Garbage collection; run from inside the mutex. Pulls take leases and add blobs to them without the mutex, so
 * leases are looked at again right before each removal: a pull that started while the layers below were being
 * destroyed keeps the blobs it has leased meanwhile.
 */
export async function collect(s: StoreState): Promise<void> {
  const images = imageRefs(s);
  let changed = false;
  // Top-most layers first, so a parent is never destroyed before its children.
  const dead = Object.values(s.meta.layers).filter((l) => !chainInUse(s, images.chains, l.chainId));
  const depth = (l: LayerMeta): number => (l.parent && s.meta.layers[l.parent] ? 1 + depth(s.meta.layers[l.parent]!) : 0);
  dead.sort((a, b) => depth(b) - depth(a));
  for (const l of dead) {
    if (chainInUse(s, images.chains, l.chainId)) continue;
    // Busy while it is destroyed: a pull that leases the chain meanwhile waits, then finds no record and imports it.
    const release = s.markBusy(l.chainId);
    try {
      await s.storage.destroyLayer(s.layerPath(l.chainId));
      delete s.meta.layers[l.chainId];
      changed = true;
      log.info('layer collected', { chainId: l.chainId });
    } catch (e) {
      // What a failed destroy left may be part of a layer: it is no longer recorded, so nothing builds on it. A pull
      // of the chain imports it again (an import destroys what is at its path first); the next start removes it.
      delete s.meta.layers[l.chainId];
      changed = true;
      log.warn('could not destroy an unreferenced layer; it is forgotten and its folder left to the next import or start', { chainId: l.chainId, err: errorMessage(e) });
    } finally {
      release();
    }
  }
  if (changed) await s.persist();
  const blobsDir = s.blobs.blobsDir;
  for (const name of await readdir(blobsDir)) {
    if (!blobInUse(s, images.blobs, `sha256:${name}`)) await unlink(join(blobsDir, name)).catch(() => undefined);
  }
}
