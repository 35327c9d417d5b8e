/**
 * The image store's image records: committing an image (its names moving to it from other images), finding,
 * listing and removing images, and which containers use which image (in memory, rebuilt at start).
 */
import { logger } from '../util/log.js';
import { failedPrecondition, notFound, internal } from '../errors.js';
import { chainIds as computeChainIds, sha256Digest } from './digest.js';
import { parseImageConfig } from './oci.js';
import { userOf, type ImageRecord, type CommitInput } from './store-model.js';
import { findImage, normaliseTag, normaliseDigestRef } from './image-refs.js';
import type { StoreState } from './store-state.js';
import { collect } from './store-gc.js';

const log = logger('images');

/**
 * Records an image whose blobs are in the store and whose layers are imported. Tags and digest references
 * held by other images move to this one; an existing record for the same ID gains the new names.
 */
export async function commitImage(s: StoreState, input: CommitInput): Promise<ImageRecord> {
  const id = sha256Digest(input.config);
  const config = parseImageConfig(input.config, `image config ${id}`);
  const chains = computeChainIds(config.diffIds);
  return s.mutex.run(async () => {
    for (const c of chains) if (!s.meta.layers[c]) throw internal(`layer ${c} of image ${id} is not imported`);
    const blobs = new Set<string>([id, ...input.layers.map((l) => l.digest), ...(input.extraBlobs ?? [])]);
    if (input.manifestDigest) blobs.add(input.manifestDigest);
    // A layer's blob may be gone (discardUnpackedLayers): its imported layer, checked above, is what the image needs.
    const layerBlobs = new Set(input.layers.map((l) => l.digest));
    for (const b of blobs) if (!layerBlobs.has(b) && !(await s.blobs.hasBlob(b))) throw internal(`blob ${b} of image ${id} is not in the store`);
    const tags = (input.repoTags ?? []).map(normaliseTag);
    const digests = (input.repoDigests ?? []).map(normaliseDigestRef);
    const existing = s.meta.images[id];
    const size = input.config.length + input.layers.reduce((n, l) => n + l.size, 0);
    const rec: ImageRecord = existing ?? {
      id, repoTags: [], repoDigests: [], size, pinned: false, config, layers: input.layers, diffIds: config.diffIds,
      chainIds: chains, blobs: [], createdAt: new Date().toISOString(), ...userOf(config.user),
    };
    if (input.manifestDigest && !rec.manifestDigest) rec.manifestDigest = input.manifestDigest;
    rec.blobs = [...new Set([...rec.blobs, ...blobs])].sort();
    for (const other of Object.values(s.meta.images)) {
      if (other.id === id) continue;
      other.repoTags = other.repoTags.filter((t) => !tags.includes(t));
      other.repoDigests = other.repoDigests.filter((d) => !digests.includes(d));
    }
    rec.repoTags = [...new Set([...rec.repoTags, ...tags])].sort();
    rec.repoDigests = [...new Set([...rec.repoDigests, ...digests])].sort();
    s.meta.images[id] = rec;
    await s.persist();
    return clone(rec);
  });
}

export function listImages(s: StoreState): ImageRecord[] {
  return Object.values(s.meta.images).map(clone).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** Removes the image with all its tags and digests. Unknown → no error. In use → FailedPrecondition. */
export async function removeImage(s: StoreState, ref: string): Promise<void> {
  await s.mutex.run(async () => {
    const img = findImage(s.meta.images, ref);
    if (!img) return;
    const users = usersOf(s, img.id);
    if (users.length) {
      throw failedPrecondition(`image ${img.id} is in use by container${users.length > 1 ? 's' : ''} ${users.join(', ')}`);
    }
    delete s.meta.images[img.id];
    await s.persist();
    log.info('image removed', { id: img.id, tags: img.repoTags });
    await collect(s);
  });
}

/** Marks the image as used by the container, under the mutex: a remove() in progress sees the use or has removed the image. */
export async function acquireImage(s: StoreState, imageId: string, containerId: string): Promise<void> {
  await s.mutex.run(async () => {
    if (!s.meta.images[imageId]) throw notFound(`image ${imageId} not found`);
    s.meta.uses[containerId] = imageId;
  });
}

export function usersOf(s: StoreState, imageId: string): string[] {
  return Object.entries(s.meta.uses).filter(([, i]) => i === imageId).map(([c]) => c).sort();
}

export function clone(r: ImageRecord): ImageRecord {
  return structuredClone(r);
}
