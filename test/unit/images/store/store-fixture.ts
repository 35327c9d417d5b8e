/** Shared setup for the image store's race tests: a store on a temp root whose storage can hold a destroyLayer open. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageStore } from '../../../../src/images/store.js';
import { sha256Digest } from '../../../../src/images/digest.js';
import type { Descriptor } from '../../../../src/images/oci.js';
import { buildLayerTar } from '../../../helpers/image-builder.js';
import { FakeStorage } from '../fake-storage.js';

/** destroyLayer waits for `gate` (when set) after announcing itself through `entered`. */
export class GatedStorage extends FakeStorage {
  gate: Promise<void> | undefined;
  entered: (() => void) | undefined;
  /** The next destroyLayer fails (after doing nothing), as a destroy that stopped part-way. */
  failNextDestroy = false;
  override async destroyLayer(layerPath: string): Promise<void> {
    this.entered?.();
    if (this.gate) await this.gate;
    if (this.failNextDestroy) { this.failNextDestroy = false; throw new Error('destroy stopped part-way'); }
    await super.destroyLayer(layerPath);
  }
}

/** A one-layer image: its layer blob (an uncompressed tar), descriptor, diff IDs and config. */
export function oneLayerImage(name: string): { tar: Buffer; layers: Descriptor[]; diffIds: string[]; config: Buffer } {
  const tar = buildLayerTar({ [`${name}.txt`]: `${name}\n` });
  const layers: Descriptor[] = [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256Digest(tar), size: tar.length }];
  const diffIds = [sha256Digest(tar)];
  const config = Buffer.from(JSON.stringify({ os: 'windows', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: diffIds } }));
  return { tar, layers, diffIds, config };
}

type Img = ReturnType<typeof oneLayerImage>;

/** A lease holding the image's layer blob and config, as a pull has them before it imports anything. */
export async function leaseBlobs(store: ImageStore, img: Img): Promise<ReturnType<ImageStore['lease']>> {
  const lease = store.lease();
  await store.ingestBuffer(img.tar, undefined, lease);
  await store.ingestBuffer(img.config, undefined, lease);
  return lease;
}

/** Pulls the image whole (blobs, layer, record) and releases the pull's lease; returns the image record. */
export async function storeImage(store: ImageStore, img: Img, repoTags?: string[]): Promise<Awaited<ReturnType<ImageStore['commitImage']>>> {
  const lease = await leaseBlobs(store, img);
  await store.ensureLayers(img.layers, img.diffIds, lease);
  const rec = await store.commitImage({ config: img.config, layers: img.layers, ...(repoTags ? { repoTags } : {}) });
  lease.release();
  return rec;
}

export async function withStore(fn: (store: ImageStore, storage: GatedStorage) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'wincri-store-'));
  const storage = new GatedStorage();
  try {
    await fn(await ImageStore.open({ root: join(dir, 'root'), storage }), storage);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A promise with its resolve function. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}
