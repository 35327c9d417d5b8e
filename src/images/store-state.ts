/** What the parts of the image store share: its folders, the metadata in memory and its crash-safe save, the lock that serialises changes, and what protects layers and blobs from collection. */
import { join } from 'node:path';
import type { StorageService } from '../platform/types.js';
import { writeFileAtomic, readJson } from '../util/atomic.js';
import { Mutex } from '../util/mutex.js';
import { internal } from '../errors.js';
import { hexOf } from './digest.js';
import { DEFAULT_MAX_LAYER_BYTES } from './layer.js';
import { BlobStore } from './store-blobs.js';
import type { Lease, Metadata, StoreOptions } from './store-model.js';

export class StoreState {
  readonly dir: string;
  readonly layersDir: string;
  readonly blobs: BlobStore;
  readonly storage: StorageService;
  readonly maxLayerBytes: number;
  readonly discardUnpackedLayers: boolean;
  meta: Metadata = { version: 1, images: {}, layers: {}, uses: {} };
  readonly mutex = new Mutex();
  readonly leases = new Set<Lease>();
  /** Chain ID → the import or the collection of that layer in progress. */
  readonly inflight = new Map<string, Promise<void>>();
  private readonly metaPath: string;

  constructor(opts: StoreOptions) {
    this.dir = join(opts.root, 'images');
    this.blobs = new BlobStore(join(this.dir, 'blobs', 'sha256'), join(this.dir, 'tmp'), this.mutex);
    this.layersDir = join(this.dir, 'layers');
    this.metaPath = join(this.dir, 'metadata.json');
    this.storage = opts.storage;
    this.maxLayerBytes = opts.maxLayerBytes ?? DEFAULT_MAX_LAYER_BYTES;
    this.discardUnpackedLayers = opts.discardUnpackedLayers ?? false;
  }

  layerPath(chainId: string): string {
    return join(this.layersDir, hexOf(chainId));
  }

  /** Reads metadata.json when there is one. */
  async load(): Promise<void> {
    const m = await readJson<Metadata>(this.metaPath);
    if (!m) return;
    if (m.version !== 1) throw internal(`${this.metaPath}: unknown metadata version ${String(m.version)}`);
    this.meta = { version: 1, images: m.images ?? {}, layers: m.layers ?? {}, uses: m.uses ?? {} };
  }

  /**
   * Marks the chain busy (an import or a collection of its layer is running) until the returned function is
   * called; others wait for it (claimChain). Synchronous, so a check just before it and the mark are one step.
   */
  markBusy(chainId: string): () => void {
    let done!: () => void;
    const mine = new Promise<void>((r) => { done = r; });
    this.inflight.set(chainId, mine);
    return () => {
      if (this.inflight.get(chainId) === mine) this.inflight.delete(chainId);
      done();
    };
  }

  /**
   * Waits until no import or collection of the chain is running; then, when its layer is recorded, undefined
   * (nothing to do), else marks the chain busy for the caller's import and returns the function that ends it.
   */
  async claimChain(chainId: string): Promise<(() => void) | undefined> {
    for (;;) {
      const running = this.inflight.get(chainId);
      if (!running) break;
      await running.catch(() => undefined);
    }
    return this.meta.layers[chainId] ? undefined : this.markBusy(chainId);
  }

  async persist(): Promise<void> {
    await writeFileAtomic(this.metaPath, JSON.stringify(this.meta));
  }
}
