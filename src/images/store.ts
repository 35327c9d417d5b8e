/**
 * The local image store under `<root>/images`:
 *   blobs/sha256/<hex>     content-addressed blobs (index, manifest, config, compressed layers), written to
 *                          tmp/, digest-verified, then renamed into place
 *   layers/<chain hex>     imported read-only layers (StorageService.importLayer), one per chain ID, shared
 *   tmp/                   staging; emptied at open
 *   metadata.json          { images, layers, uses } — rewritten crash-safely (temp + fsync + rename) per change of
 *                          images or layers. Which container uses which image (acquire/release) is not a change:
 *                          it lives in memory and is rebuilt from the runtime's container records at start
 *                          (adoptUses, before any RPC is served); `uses` is written along for older versions.
 *
 * Image ID = config digest. Tags and digest references are held by exactly one image (adding a tag moves it).
 * remove() drops the image with all its names, refuses while a container uses it (acquire/release), and
 * collects layers and blobs nothing references any more. Mutations of the metadata are serialised; slow work
 * (unpacking, importing layers) runs outside the lock, protected from collection by a lease.
 *
 * A puller adds images the same way import does: ingestStream/ingestFile each blob with its expected digest,
 * ensureLayers(), then commitImage().
 *
 * This file is the store's front door; the image records (store-images.ts), the blobs (store-blobs.ts), layer
 * import (store-layers.ts, store-streaming.ts), collection (store-gc.ts) and the shared state (store-state.ts)
 * have rooms of their own.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { StorageService } from '../platform/types.js';
import { notFound } from '../errors.js';
import type { Descriptor } from './oci.js';
import type { ImageRecord, StoreOptions, Lease, StreamingOptions, CommitInput } from './store-model.js';
import { findImage } from './image-refs.js';
import type { Expected } from './store-blobs.js';
import { StoreState } from './store-state.js';
import { ensureLayers } from './store-layers.js';
import { ensureLayersStreaming } from './store-streaming.js';
import { collect, removeUnrecordedLayers } from './store-gc.js';
import { commitImage, listImages, removeImage, acquireImage, usersOf, clone } from './store-images.js';

export class ImageStore {
  private readonly s: StoreState;
  readonly dir: string;
  readonly blobsDir: string;
  readonly layersDir: string;
  readonly tmpDir: string;
  readonly storage: StorageService;
  readonly maxLayerBytes: number;

  private constructor(opts: StoreOptions) {
    this.s = new StoreState(opts);
    this.dir = this.s.dir;
    this.blobsDir = this.s.blobs.blobsDir;
    this.layersDir = this.s.layersDir;
    this.tmpDir = this.s.blobs.tmpDir;
    this.storage = this.s.storage;
    this.maxLayerBytes = this.s.maxLayerBytes;
  }

  static async open(opts: StoreOptions): Promise<ImageStore> {
    const store = new ImageStore(opts);
    const s = store.s;
    await mkdir(store.blobsDir, { recursive: true });
    await mkdir(store.layersDir, { recursive: true });
    await rm(store.tmpDir, { recursive: true, force: true });
    await mkdir(store.tmpDir, { recursive: true });
    await s.load();
    await removeUnrecordedLayers(s);
    await s.mutex.run(() => collect(s));
    return store;
  }

  // ───────────────────────────── blobs (store-blobs.ts) ─────────────────────────────

  blobPath(digest: string): string { return this.s.blobs.blobPath(digest); }
  hasBlob(digest: string): Promise<boolean> { return this.s.blobs.hasBlob(digest); }
  readBlob(digest: string, limit?: number): Promise<Buffer> { return this.s.blobs.readBlob(digest, limit); }

  /** A fresh directory under tmp/ for the caller's staging (removed by the caller, or at next open). */
  tempDir(prefix: string): Promise<string> { return this.s.blobs.tempDir(prefix); }

  /** Streams content into the store, verifying the digest (and size) when given. Returns digest and size. */
  ingestStream(source: AsyncIterable<Buffer>, expected?: Expected, lease?: Lease, what?: string): Promise<{ digest: string; size: number }> {
    return this.s.blobs.ingestStream(source, expected, lease, what);
  }

  /** Moves a file (on the same file system, e.g. under tempDir()) into the store after verifying it. */
  ingestFile(path: string, expected?: Expected, lease?: Lease, what?: string): Promise<{ digest: string; size: number }> {
    return this.s.blobs.ingestFile(path, expected, lease, what);
  }

  /** Writes the buffer unless the blob is present (checked with useExistingBlob). */
  ingestBuffer(data: Buffer, expected?: Expected, lease?: Lease, what?: string): Promise<{ digest: string; size: number }> {
    return this.s.blobs.ingestBuffer(data, expected, lease, what);
  }

  /** Leases the blob and tells whether it is present, safe from a collection in between (store-blobs.ts). */
  useExistingBlob(digest: string, lease: Lease): Promise<boolean> {
    return this.s.blobs.useExisting(digest, lease);
  }

  /** Protects blobs and layers added during an import or pull from collection until released. */
  lease(): Lease {
    const l: Lease = { blobs: new Set(), chains: new Set(), release: () => { this.s.leases.delete(l); } };
    this.s.leases.add(l);
    return l;
  }

  // ───────────────────────────── layers (store-layers.ts, store-streaming.ts) ─────────────────────────────

  layerPath(chainId: string): string { return this.s.layerPath(chainId); }
  hasLayer(chainId: string): boolean { return this.s.meta.layers[chainId] !== undefined; }

  /** Imports the layers of an image whose blobs are in the store, base first; each must hash to its diff ID. */
  ensureLayers(layers: Descriptor[], diffIds: string[], lease: Lease): Promise<string[]> {
    return ensureLayers(this.s, layers, diffIds, lease);
  }

  /** The pull path: missing layer blobs stream from `opts.source` into the store and the unpacker at once. */
  ensureLayersStreaming(layers: Descriptor[], diffIds: string[], lease: Lease, opts: StreamingOptions): Promise<string[]> {
    return ensureLayersStreaming(this.s, layers, diffIds, lease, opts);
  }

  // ───────────────────────────── images (store-images.ts) ─────────────────────────────

  /**
   * Records an image whose blobs are in the store and whose layers are imported. Tags and digest references
   * held by other images move to this one; an existing record for the same ID gains the new names.
   */
  commitImage(input: CommitInput): Promise<ImageRecord> { return commitImage(this.s, input); }

  list(): ImageRecord[] { return listImages(this.s); }

  get(id: string): ImageRecord | undefined {
    const r = this.s.meta.images[id];
    return r ? clone(r) : undefined;
  }

  /**
   * Finds an image by: ID (`sha256:<hex>` or bare 64 hex), tag (normalised or familiar: `busybox` finds
   * docker.io/library/busybox:latest), digest reference (`repo@sha256:…`, also with a tag before the digest),
   * or unique ID prefix (with or without `sha256:`). Returns undefined when nothing matches; an ambiguous
   * prefix is an InvalidArgument error.
   */
  find(ref: string): ImageRecord | undefined {
    const r = findImage(this.s.meta.images, ref);
    return r ? clone(r) : undefined;
  }

  /** Removes the image with all its tags and digests. Unknown → no error. In use → FailedPrecondition. */
  remove(ref: string): Promise<void> { return removeImage(this.s, ref); }

  /**
   * Marks the image as used by the container (in memory: the container's record, which names the image, is what
   * survives a restart). Under the mutex, so a remove() in progress either sees the use or has removed the image.
   */
  acquire(imageId: string, containerId: string): Promise<void> { return acquireImage(this.s, imageId, containerId); }

  /** Drops the container's use; unknown containers are ignored. */
  async release(containerId: string): Promise<void> {
    delete this.s.meta.uses[containerId];
  }

  /** The uses after a restart, from the container records (container ID → image ID); replaces what metadata.json held. */
  adoptUses(uses: Record<string, string>): void {
    this.s.meta.uses = { ...uses };
  }

  usersOf(imageId: string): string[] { return usersOf(this.s, imageId); }

  /** Read-only layer folders of the image, top-most first. */
  layerPaths(imageId: string): string[] {
    const img = this.s.meta.images[imageId];
    if (!img) throw notFound(`image ${imageId} not found`);
    return [...img.chainIds].reverse().map((c) => this.layerPath(c));
  }

  /** Used bytes/inodes: imported layers plus blobs. */
  async usage(): Promise<{ usedBytes: number; inodesUsed: number }> {
    let usedBytes = 0;
    let inodesUsed = 0;
    for (const l of Object.values(this.s.meta.layers)) { usedBytes += l.usedBytes; inodesUsed += l.inodesUsed; }
    for (const name of await readdir(this.blobsDir)) {
      const st = await stat(join(this.blobsDir, name)).catch(() => undefined);
      if (st?.isFile()) { usedBytes += st.size; inodesUsed += 1; }
    }
    return { usedBytes, inodesUsed };
  }

  /** Removes layers and blobs that no image, lease or running import references. */
  gc(): Promise<void> {
    return this.s.mutex.run(() => collect(this.s));
  }
}

