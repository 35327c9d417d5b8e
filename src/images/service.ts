/**
 * The image domain API the CRI image handlers and the runtime call. Wraps the store (store.ts) and the offline
 * importer (import.ts); pulls from registries will add to the same store.
 */
import { notFound, invalidArgument } from '../errors.js';
import type { StorageService } from '../platform/types.js';
import { ImageStore } from './store.js';
import type { ImageRecord } from './store-model.js';
import { ArchiveImporter, type ImportedImage, type HostPlatform } from './import.js';
import { referenceProblem, parseImageId } from './reference.js';
import type { RegistryHostConfig } from '../config/registries.js';
import { RegistryClient } from './pull/registry.js';
import { Puller, type PullOptions, type PullResult } from './pull/puller.js';
import { defaultPullConcurrency } from '../config/pull-concurrency.js';
import type { PullObserver } from './pull/observer.js';
import type { Semaphore } from '../util/semaphore.js';

export type { ImageRecord } from './store-model.js';
export type { ImageConfigInfo } from './oci.js';
export type { ImportedImage, HostPlatform } from './import.js';
export type { PullOptions, PullResult, Isolation } from './pull/puller.js';
export type { Credentials } from './pull/auth.js';
export { credentialsFromCri } from './pull/auth.js';
export type { PullObserver } from './pull/observer.js';
export type { PullSnapshot, LayerProgress } from './pull/progress.js';

export interface ImageServiceOptions {
  root: string;
  storage: StorageService;
  host: HostPlatform;
  /** Decompression-bomb guard: max uncompressed bytes of one layer (default 64 GiB). */
  maxLayerBytes?: number;
  /** Keep no compressed blob of a pulled layer once it is imported (default false). */
  discardUnpackedLayers?: boolean;
  /** Registry settings by host[:port] (mirrors, TLS, insecure, auth). */
  registries?: Record<string, RegistryHostConfig>;
  /** Layers of one pull streamed at once (default 4). */
  pullConcurrency?: number;
  /** Pulls running at the same time; more wait (default unbounded). */
  maxConcurrentPulls?: number;
  /** Shared semaphore bounding pulls (replaces maxConcurrentPulls). */
  pullSlots?: Semaphore;
  /** Fetch foreign layers from their URLs (default true). */
  allowForeignLayers?: boolean;
  /** Drop registry connections idle this long (default 60 s). */
  pullIdleTimeoutMs?: number;
  /** Retries of transient registry errors (default 5) and the first backoff delay (default 250 ms). */
  pullRetries?: number;
  pullRetryBaseMs?: number;
  /** Told about pulls (started, joined, bytes, finished) — the daemon's metrics. */
  pullObserver?: PullObserver;
  /** Interval of progress log lines during long pulls (default 5000 ms; 0 disables). */
  pullProgressIntervalMs?: number;
}

export interface ImageFsUsage { mountpoint: string; usedBytes: number; inodesUsed: number; timestampNs: bigint }

export class ImageService {
  private constructor(readonly store: ImageStore, private readonly importer: ArchiveImporter, private readonly client: RegistryClient, private readonly puller: Puller) {}

  static async open(opts: ImageServiceOptions): Promise<ImageService> {
    const store = await ImageStore.open({ root: opts.root, storage: opts.storage, maxLayerBytes: opts.maxLayerBytes, discardUnpackedLayers: opts.discardUnpackedLayers });
    const client = new RegistryClient({
      registries: opts.registries ?? {}, idleTimeoutMs: opts.pullIdleTimeoutMs, retries: opts.pullRetries, retryBaseMs: opts.pullRetryBaseMs,
    });
    const puller = new Puller({ store, client, host: opts.host, concurrency: opts.pullConcurrency ?? defaultPullConcurrency(), maxPulls: opts.maxConcurrentPulls, slots: opts.pullSlots, allowForeignLayers: opts.allowForeignLayers ?? true, observer: opts.pullObserver, progressIntervalMs: opts.pullProgressIntervalMs });
    return new ImageService(store, new ArchiveImporter(store, opts.host), client, puller);
  }

  /** Pulls an image from its registry (or a configured mirror) and records it under the requested name. */
  async pull(ref: string, opts: PullOptions = {}): Promise<PullResult> {
    if (!ref) throw invalidArgument('image reference is empty');
    return this.puller.pull(ref, opts);
  }

  /** Drops idle registry connections. */
  close(): void {
    this.client.close();
  }

  /** All images, or the one the filter names (none when it names nothing). */
  async list(filter?: { image?: string }): Promise<ImageRecord[]> {
    if (filter?.image) {
      const img = await this.status(filter.image);
      return img ? [img] : [];
    }
    return this.store.list();
  }

  /** The image a reference names (ID, ID prefix, tag, digest reference), or undefined. */
  async status(ref: string): Promise<ImageRecord | undefined> {
    if (!ref) throw invalidArgument('image reference is empty');
    return this.store.find(ref);
  }

  /** Like status, but NotFound (or InvalidArgument for a malformed reference) when nothing matches. */
  async resolve(ref: string): Promise<ImageRecord> {
    const img = await this.status(ref);
    if (img) return img;
    const problem = parseImageId(ref) || /^(?:sha256:)?[a-f0-9]{1,64}$/.test(ref) ? undefined : referenceProblem(ref);
    if (problem) throw invalidArgument(problem);
    throw notFound(`image "${ref}" not found`);
  }

  /** Removes the image and all its names; unknown images succeed; in use → FailedPrecondition. */
  async remove(ref: string): Promise<void> {
    if (!ref) throw invalidArgument('image reference is empty');
    await this.store.remove(ref);
  }

  importArchive(path: string): Promise<ImportedImage[]> {
    return this.importer.importArchive(path);
  }

  async fsInfo(): Promise<ImageFsUsage> {
    const u = await this.store.usage();
    return { mountpoint: this.store.dir, usedBytes: u.usedBytes, inodesUsed: u.inodesUsed, timestampNs: BigInt(Date.now()) * 1_000_000n };
  }

  acquire(imageId: string, containerId: string): Promise<void> {
    return this.store.acquire(imageId, containerId);
  }

  release(containerId: string): Promise<void> {
    return this.store.release(containerId);
  }

  /** After a restart: which container uses which image, from the runtime's records (see ImageStore.adoptUses). */
  adoptUses(uses: Record<string, string>): void {
    this.store.adoptUses(uses);
  }

  /** Read-only layer folders of the image, top-most first (NotFound for an unknown ID). */
  layerPaths(imageId: string): string[] {
    return this.store.layerPaths(imageId);
  }
}
