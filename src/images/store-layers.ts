/** Layer import into the image store: a layer blob already in the store is unpacked, checked against its diff ID and imported through the storage service, base first, each chain once. */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildLayerData } from '../platform/hcs/document/layer.js';
import { logger } from '../util/log.js';
import { invalidArgument, errorMessage } from '../errors.js';
import { chainIds as computeChainIds } from './digest.js';
import type { Descriptor } from './oci.js';
import { LayerError } from './layer.js';
import { TarFormatError } from './tar/format.js';
import { unpackLayerInWorker, failedBlobOf, type WorkerUnpackResult } from './unpack-worker.js';
import { unpackRemoteInWorker, type RemoteInput } from './unpack-remote.js';
import type { BlobDigest } from './blob-tee.js';
import type { Lease, LayerMeta } from './store-model.js';
import type { StoreState } from './store-state.js';

const log = logger('images');

/** The chain IDs of an image's layers, checked against its manifest and leased for the import. */
export function leasedChains(layers: Descriptor[], diffIds: string[], lease: Lease): string[] {
  if (layers.length !== diffIds.length) {
    throw invalidArgument(`the manifest lists ${layers.length} layers but the config has ${diffIds.length} diff IDs`);
  }
  if (layers.length === 0) throw invalidArgument('the image has no layers');
  const chains = computeChainIds(diffIds);
  for (const c of chains) lease.chains.add(c);
  return chains;
}

/**
 * Imports the layers of an image (blobs already in the store) that are not imported yet, base first.
 * diffIds come from the image config; each unpacked layer must hash to its diff ID.
 */
export async function ensureLayers(s: StoreState, layers: Descriptor[], diffIds: string[], lease: Lease): Promise<string[]> {
  const chains = leasedChains(layers, diffIds, lease);
  for (let i = 0; i < layers.length; i++) {
    await ensureLayer(s, chains[i]!, diffIds[i]!, chains.slice(0, i).reverse(), layers[i]!);
  }
  return chains;
}

async function ensureLayer(s: StoreState, chainId: string, diffId: string, parentsTopFirst: string[], blob: Descriptor): Promise<void> {
  const release = await s.claimChain(chainId);
  if (!release) return;
  try { await importLayer(s, chainId, diffId, parentsTopFirst, blob); } finally { release(); }
}

async function importLayer(s: StoreState, chainId: string, diffId: string, parentsTopFirst: string[], blob: Descriptor): Promise<void> {
  const staging = await s.blobs.tempDir('layer');
  try {
    const res = await unpackChecked(s, createReadStream(s.blobs.blobPath(blob.digest)), staging, blob);
    await commitStaged(s, chainId, diffId, parentsTopFirst, blob, staging, res);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** A registry blob the unpack worker fetches itself, the pull's signal and its byte counter. */
export interface RemoteSource { remote: RemoteInput; signal: AbortSignal; onBytes?: (n: number) => void }

/**
 * Unpacks a layer stream (a blob in the store) or a remote blob into `<staging>/import`, mapping format errors to
 * InvalidArgument. A remote blob is hashed on the way (`result.blob`) and, with `download.blobPath`, written there.
 */
export async function unpackChecked(s: StoreState, source: AsyncIterable<Buffer> | RemoteSource, staging: string, blob: Descriptor, download?: { blobPath?: string }, onBlob?: (b: BlobDigest) => void): Promise<WorkerUnpackResult> {
  const dir = join(staging, 'import');
  try {
    if ('remote' in source) return await unpackRemoteInWorker(source.remote, dir, { maxBytes: s.maxLayerBytes, blobPath: download?.blobPath, onBytes: source.onBytes, signal: source.signal });
    return await unpackLayerInWorker(source, dir, { maxBytes: s.maxLayerBytes });
  } catch (e) {
    const whole = failedBlobOf(e);
    if (whole) onBlob?.(whole);
    if (e instanceof LayerError) throw invalidArgument(`layer ${blob.digest}: ${e.message}`);
    if (e instanceof TarFormatError) throw invalidArgument(`layer ${blob.digest}: not a valid layer archive: ${e.message}`);
    if ((e as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' || (e as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') {
      throw invalidArgument(`layer ${blob.digest}: corrupt gzip data (${errorMessage(e)})`);
    }
    throw e;
  }
}

/** Checks the diff ID of an unpacked layer and imports it through the storage service; records it. */
export async function commitStaged(s: StoreState, chainId: string, diffId: string, parentsTopFirst: string[], blob: Descriptor, staging: string, res: WorkerUnpackResult): Promise<void> {
  const layerPath = s.layerPath(chainId);
  const t0 = performance.now();
  try {
    if (res.diffId !== diffId) {
      throw invalidArgument(`layer ${blob.digest}: uncompressed content hashes to ${res.diffId} but the image config says ${diffId}`);
    }
    await s.storage.destroyLayer(layerPath);
    await s.storage.importLayer(layerPath, join(staging, 'import'), buildLayerData(parentsTopFirst.map((c) => s.layerPath(c))));
    const t1 = performance.now();
    const usage = await s.storage.layerUsage(layerPath);
    const t2 = performance.now();
    await s.mutex.run(async () => {
      const meta: LayerMeta = { chainId, diffId, usedBytes: usage.usedBytes, inodesUsed: usage.inodesUsed };
      if (parentsTopFirst[0]) meta.parent = parentsTopFirst[0];
      s.meta.layers[chainId] = meta;
      await s.persist();
    });
    // Where the time went (per-step timers for profiling pulls): the unpack's wall time, its file system calls,
    // the blob's flush, the storage import, the usage walk and the metadata save.
    const ms = { unpack: res.unpackMs, files: res.filesMs, blobSync: res.blobSyncMs, import: Math.round(t1 - t0), usage: Math.round(t2 - t1), record: Math.round(performance.now() - t2) };
    log.info('layer imported', { chainId, blob: blob.digest, bytes: res.expandedBytes, entries: res.entries, ms });
  } catch (e) {
    await s.storage.destroyLayer(layerPath).catch((err) => log.warn('removing a failed layer import failed', { layerPath, err: errorMessage(err) }));
    throw e;
  }
}
