/** The pull path of layer import: each missing layer blob streams from the registry into the blob store and the unpacker at once, several layers at a time, committed base first. */
import { createReadStream } from 'node:fs';
import { rename, rm, unlink } from 'node:fs/promises';
import { invalidArgument } from '../errors.js';
import { Semaphore } from '../util/semaphore.js';
import type { Descriptor } from './oci.js';
import type { WorkerUnpackResult } from './unpack-worker.js';
import type { Lease, StreamingOptions } from './store-model.js';
import type { StoreState } from './store-state.js';
import { commitStaged, leasedChains, unpackChecked } from './store-layers.js';

/**
 * Imports the layers that are not imported yet, each missing blob fetched by the unpack worker (`opts.remote`) as a
 * stream that is, at the same time, written to the blob store (sha256 and size verified while it flows), gunzipped, hashed
 * for its diff ID and unpacked into staging — no download-then-unpack. Up to `concurrency` layers stream at
 * once; the storage imports run base first as their parents complete. A layer whose chain another pull is
 * importing is waited for, not fetched twice. On any failure the other layers are aborted, partial blobs and
 * staging folders are removed, and the first error is thrown.
 */
export async function ensureLayersStreaming(s: StoreState, layers: Descriptor[], diffIds: string[], lease: Lease, opts: StreamingOptions): Promise<string[]> {
  const chains = leasedChains(layers, diffIds, lease);
  for (const l of layers) lease.blobs.add(l.digest);
  const ac = new AbortController();
  const onAbort = () => ac.abort(opts.signal!.reason);
  if (opts.signal?.aborted) ac.abort(opts.signal.reason); else opts.signal?.addEventListener('abort', onAbort, { once: true });
  const slots = new Semaphore(Math.max(1, opts.concurrency));
  const tasks: Promise<void>[] = [];
  for (let i = 0; i < layers.length; i++) {
    const chainId = chains[i]!;
    const prev = i > 0 ? tasks[i - 1]! : Promise.resolve();
    const parents = chains.slice(0, i).reverse();
    const desc = layers[i]!;
    const task = (async () => {
      const release = await s.claimChain(chainId);
      if (!release) { await prev; return; }
      let staging: string | undefined;
      try {
        let res: WorkerUnpackResult;
        await slots.acquire(ac.signal);
        try {
          staging = await s.blobs.tempDir('layer');
          res = await stageStream(s, desc, i, staging, lease, opts, ac.signal);
        } finally {
          slots.release();
        }
        await prev;
        if (ac.signal.aborted) throw ac.signal.reason;
        await commitStaged(s, chainId, diffIds[i]!, parents, desc, staging, res);
      } finally {
        if (staging) await rm(staging, { recursive: true, force: true });
        release();
      }
    })();
    task.then(() => opts.onLayerDone?.(i), (e) => { if (!ac.signal.aborted) ac.abort(e); });
    tasks.push(task);
  }
  const results = await Promise.allSettled(tasks);
  opts.signal?.removeEventListener('abort', onAbort);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  if (failed.length) {
    // The root cause, not the "aborted because a sibling failed" echoes.
    throw (ac.signal.reason !== undefined && failed.includes(ac.signal.reason)) ? ac.signal.reason : failed[0];
  }
  return chains;
}

/**
 * One layer: blob from the store if present, else from the source. The unpack worker hashes the blob while it
 * unpacks (the main thread only counts bytes) and, unless the store discards unpacked layers' blobs, writes it to
 * a temp file, renamed into the store only when its size and digest match the descriptor. A discarded blob is
 * checked the same way; the layer is recorded only after its diff ID matched too (commitStaged), and a layer
 * that must be made again later is pulled again (no blob: useExisting says so).
 */
async function stageStream(s: StoreState, desc: Descriptor, index: number, staging: string, lease: Lease, opts: StreamingOptions, signal: AbortSignal): Promise<WorkerUnpackResult> {
  if (await s.blobs.useExisting(desc.digest, lease)) return unpackChecked(s, createReadStream(s.blobs.blobPath(desc.digest)), staging, desc);
  const what = `layer ${desc.digest}`;
  const tmp = s.discardUnpackedLayers ? undefined : s.blobs.tempBlobPath();
  let mismatch: Error | undefined;
  try {
    const res = await unpackChecked(s, { remote: opts.remote(desc, index), signal, onBytes: opts.onProgress }, staging, desc, { blobPath: tmp }, (blob) => {
      if (blob.size === desc.size && blob.digest !== desc.digest) mismatch = invalidArgument(`${what}: digest mismatch: content has ${blob.digest}`);
    });
    if (res.blob?.digest !== desc.digest) throw (mismatch = invalidArgument(`${what}: digest mismatch: content has ${res.blob?.digest}`));
    if (tmp) await rename(tmp, s.blobs.blobPath(desc.digest));
    return res;
  } catch (e) {
    if (tmp) await unlink(tmp).catch(() => undefined);
    if (mismatch) throw mismatch;
    if (signal.aborted) throw signal.reason;
    throw e;
  }
}

