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
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import type { StorageService } from '../platform/types.js';
import { buildLayerData } from '../platform/hcs/document/layer.js';
import { writeFileAtomic, readJson } from '../util/atomic.js';
import { logger } from '../util/log.js';
import { failedPrecondition, invalidArgument, notFound, internal, errorMessage } from '../errors.js';
import { chainIds as computeChainIds, hexOf, isSha256Digest, sha256Digest } from './digest.js';
import { parseImageConfig, type Descriptor } from './oci.js';
import { LayerError, DEFAULT_MAX_LAYER_BYTES, type UnpackResult } from './layer.js';
import { TarFormatError } from './tar.js';
import { unpackLayerInWorker, failedBlobOf, type WorkerUnpackResult } from './unpack-worker.js';
import type { BlobDigest } from './blob-tee.js';
import { BatchedWriter } from './file-writer.js';
import { Semaphore } from '../util/semaphore.js';
import { Mutex } from '../util/mutex.js';
import {
  userOf, type ImageRecord, type LayerMeta, type Metadata, type StoreOptions, type Lease, type StreamingOptions, type CommitInput,
} from './store-model.js';
import { findImage, normaliseTag, normaliseDigestRef } from './image-refs.js';

const log = logger('images');

export class ImageStore {
  readonly dir: string;
  readonly blobsDir: string;
  readonly layersDir: string;
  readonly tmpDir: string;
  private readonly metaPath: string;
  private meta: Metadata = { version: 1, images: {}, layers: {}, uses: {} };
  private readonly mutex = new Mutex();
  private readonly leases = new Set<Lease>();
  private readonly inflight = new Map<string, Promise<void>>();
  readonly storage: StorageService;
  readonly maxLayerBytes: number;

  private constructor(opts: StoreOptions) {
    this.dir = join(opts.root, 'images');
    this.blobsDir = join(this.dir, 'blobs', 'sha256');
    this.layersDir = join(this.dir, 'layers');
    this.tmpDir = join(this.dir, 'tmp');
    this.metaPath = join(this.dir, 'metadata.json');
    this.storage = opts.storage;
    this.maxLayerBytes = opts.maxLayerBytes ?? DEFAULT_MAX_LAYER_BYTES;
  }

  static async open(opts: StoreOptions): Promise<ImageStore> {
    const s = new ImageStore(opts);
    await mkdir(s.blobsDir, { recursive: true });
    await mkdir(s.layersDir, { recursive: true });
    await rm(s.tmpDir, { recursive: true, force: true });
    await mkdir(s.tmpDir, { recursive: true });
    const m = await readJson<Metadata>(s.metaPath);
    if (m) {
      if (m.version !== 1) throw internal(`${s.metaPath}: unknown metadata version ${String(m.version)}`);
      s.meta = { version: 1, images: m.images ?? {}, layers: m.layers ?? {}, uses: m.uses ?? {} };
    }
    // Layer folders that never made it into the metadata (crash during import) are destroyed.
    for (const name of await readdir(s.layersDir)) {
      if (!s.meta.layers[`sha256:${name}`]) {
        log.info('removing unrecorded layer left by an interrupted import', { layer: name });
        await s.storage.destroyLayer(join(s.layersDir, name)).catch((e) => log.warn('destroy layer failed', { layer: name, err: errorMessage(e) }));
      }
    }
    await s.mutex.run(() => s.collect());
    return s;
  }

  // ───────────────────────────── blobs ─────────────────────────────

  blobPath(digest: string): string {
    return join(this.blobsDir, hexOf(digest));
  }

  async hasBlob(digest: string): Promise<boolean> {
    return (await stat(this.blobPath(digest)).catch(() => undefined))?.isFile() ?? false;
  }

  async readBlob(digest: string, limit = 16 * 1024 * 1024): Promise<Buffer> {
    const st = await stat(this.blobPath(digest));
    if (st.size > limit) throw invalidArgument(`blob ${digest} is ${st.size} bytes, more than ${limit} for a JSON document`);
    const b = await readFile(this.blobPath(digest));
    if (sha256Digest(b) !== digest) throw internal(`blob ${digest} is corrupt on disk`);
    return b;
  }

  /** A fresh directory under tmp/ for the caller's staging (removed by the caller, or at next open). */
  async tempDir(prefix: string): Promise<string> {
    const d = join(this.tmpDir, `${prefix}-${randomBytes(8).toString('hex')}`);
    await mkdir(d, { recursive: true });
    return d;
  }

  private checkExpected(expected: string | undefined, got: string, size: number, expectedSize: number | undefined, what: string): void {
    if (expected !== undefined && expected !== got) throw invalidArgument(`${what}: digest mismatch: expected ${expected}, content has ${got}`);
    if (expectedSize !== undefined && expectedSize !== size) throw invalidArgument(`${what}: size mismatch: expected ${expectedSize} bytes, content has ${size}`);
  }

  /** Streams content into the store, verifying the digest (and size) when given. Returns digest and size. */
  async ingestStream(source: AsyncIterable<Buffer>, expected?: { digest?: string; size?: number }, lease?: Lease, what = 'blob'): Promise<{ digest: string; size: number }> {
    if (expected?.digest !== undefined && !isSha256Digest(expected.digest)) throw invalidArgument(`${what}: unsupported digest ${expected.digest}`);
    const tmp = join(this.tmpDir, `blob-${randomBytes(8).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const fh = await open(tmp, 'w', 0o644);
    try {
      const limit = expected?.size;
      const out = new BatchedWriter(fh);
      await pipeline(source, new Writable({
        write(chunk: Buffer, _enc, cb) {
          size += chunk.length;
          if (limit !== undefined && size > limit) return cb(invalidArgument(`${what}: more than the expected ${limit} bytes`));
          hash.update(chunk);
          out.write(chunk).then(() => cb(), cb);
        },
      }));
      await out.flush();
      await fh.sync();
    } catch (e) {
      await fh.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    await fh.close();
    const digest = `sha256:${hash.digest('hex')}`;
    try {
      this.checkExpected(expected?.digest, digest, size, expected?.size, what);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    lease?.blobs.add(digest);
    await rename(tmp, this.blobPath(digest));
    return { digest, size };
  }

  /** Moves a file (on the same file system, e.g. under tempDir()) into the store after verifying it. */
  async ingestFile(path: string, expected?: { digest?: string; size?: number }, lease?: Lease, what = path): Promise<{ digest: string; size: number }> {
    const hash = createHash('sha256');
    let size = 0;
    for await (const b of createReadStream(path)) { hash.update(b as Buffer); size += (b as Buffer).length; }
    const digest = `sha256:${hash.digest('hex')}`;
    this.checkExpected(expected?.digest, digest, size, expected?.size, what);
    lease?.blobs.add(digest);
    await rename(path, this.blobPath(digest));
    return { digest, size };
  }

  async ingestBuffer(data: Buffer, expected?: { digest?: string; size?: number }, lease?: Lease, what = 'blob'): Promise<{ digest: string; size: number }> {
    const digest = sha256Digest(data);
    this.checkExpected(expected?.digest, digest, data.length, expected?.size, what);
    lease?.blobs.add(digest);
    if (!(await this.hasBlob(digest))) await writeFileAtomic(this.blobPath(digest), data, 0o644);
    return { digest, size: data.length };
  }

  /** Protects blobs and layers added during an import or pull from collection until released. */
  lease(): Lease {
    const l: Lease = { blobs: new Set(), chains: new Set(), release: () => { this.leases.delete(l); } };
    this.leases.add(l);
    return l;
  }

  // ───────────────────────────── layers ─────────────────────────────

  layerPath(chainId: string): string {
    return join(this.layersDir, hexOf(chainId));
  }

  hasLayer(chainId: string): boolean {
    return this.meta.layers[chainId] !== undefined;
  }

  /**
   * Imports the layers of an image (blobs already in the store) that are not imported yet, base first.
   * diffIds come from the image config; each unpacked layer must hash to its diff ID.
   */
  async ensureLayers(layers: Descriptor[], diffIds: string[], lease: Lease): Promise<string[]> {
    if (layers.length !== diffIds.length) {
      throw invalidArgument(`the manifest lists ${layers.length} layers but the config has ${diffIds.length} diff IDs`);
    }
    if (layers.length === 0) throw invalidArgument('the image has no layers');
    const chains = computeChainIds(diffIds);
    for (const c of chains) lease.chains.add(c);
    for (let i = 0; i < layers.length; i++) {
      await this.ensureLayer(chains[i]!, diffIds[i]!, chains.slice(0, i).reverse(), layers[i]!);
    }
    return chains;
  }

  private async ensureLayer(chainId: string, diffId: string, parentsTopFirst: string[], blob: Descriptor): Promise<void> {
    for (;;) {
      if (this.meta.layers[chainId]) return;
      const running = this.inflight.get(chainId);
      if (!running) break;
      await running.catch(() => undefined);
    }
    const p = this.importLayer(chainId, diffId, parentsTopFirst, blob);
    this.inflight.set(chainId, p);
    try { await p; } finally { this.inflight.delete(chainId); }
  }

  private async importLayer(chainId: string, diffId: string, parentsTopFirst: string[], blob: Descriptor): Promise<void> {
    const staging = await this.tempDir('layer');
    try {
      const res = await this.unpackChecked(createReadStream(this.blobPath(blob.digest)), staging, blob);
      await this.commitStaged(chainId, diffId, parentsTopFirst, blob, staging, res);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Unpacks a layer stream into `<staging>/import`, mapping format errors to InvalidArgument. */
  private async unpackChecked(source: AsyncIterable<Buffer>, staging: string, blob: Descriptor, blobPath?: string, onBlob?: (b: BlobDigest) => void): Promise<WorkerUnpackResult> {
    try {
      // With a blob path the source is a download, whose chunks nobody keeps: they move to the worker uncopied.
      return await unpackLayerInWorker(source, join(staging, 'import'), blobPath ? { maxBytes: this.maxLayerBytes, blobPath, ownedChunks: true } : { maxBytes: this.maxLayerBytes });
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
  private async commitStaged(chainId: string, diffId: string, parentsTopFirst: string[], blob: Descriptor, staging: string, res: UnpackResult): Promise<void> {
    const layerPath = this.layerPath(chainId);
    try {
      if (res.diffId !== diffId) {
        throw invalidArgument(`layer ${blob.digest}: uncompressed content hashes to ${res.diffId} but the image config says ${diffId}`);
      }
      await this.storage.destroyLayer(layerPath);
      await this.storage.importLayer(layerPath, join(staging, 'import'), buildLayerData(parentsTopFirst.map((c) => this.layerPath(c))));
      const usage = await this.storage.layerUsage(layerPath);
      await this.mutex.run(async () => {
        const meta: LayerMeta = { chainId, diffId, usedBytes: usage.usedBytes, inodesUsed: usage.inodesUsed };
        if (parentsTopFirst[0]) meta.parent = parentsTopFirst[0];
        this.meta.layers[chainId] = meta;
        await this.persist();
      });
      log.info('layer imported', { chainId, blob: blob.digest, bytes: res.expandedBytes, entries: res.entries });
    } catch (e) {
      await this.storage.destroyLayer(layerPath).catch((err) => log.warn('removing a failed layer import failed', { layerPath, err: errorMessage(err) }));
      throw e;
    }
  }

  /**
   * The pull path: imports the layers that are not imported yet, fetching each missing blob from `opts.source`
   * as a stream that is, at the same time, written to the blob store (sha256 and size verified while it
   * flows), gunzipped, hashed for its diff ID and unpacked into staging — no download-then-unpack. Up to
   * `concurrency` layers stream at once; the storage imports run base first as their parents complete. A
   * layer whose chain another pull is importing is waited for, not fetched twice. On any failure the other
   * layers are aborted, partial blobs and staging folders are removed, and the first error is thrown.
   */
  async ensureLayersStreaming(layers: Descriptor[], diffIds: string[], lease: Lease, opts: StreamingOptions): Promise<string[]> {
    if (layers.length !== diffIds.length) {
      throw invalidArgument(`the manifest lists ${layers.length} layers but the config has ${diffIds.length} diff IDs`);
    }
    if (layers.length === 0) throw invalidArgument('the image has no layers');
    const chains = computeChainIds(diffIds);
    for (const c of chains) lease.chains.add(c);
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
        for (;;) {
          if (this.meta.layers[chainId]) { await prev; return; }
          const running = this.inflight.get(chainId);
          if (!running) break;
          await running.catch(() => undefined);
        }
        let done!: () => void;
        const mine = new Promise<void>((r) => { done = r; });
        this.inflight.set(chainId, mine);
        let staging: string | undefined;
        try {
          let res: UnpackResult;
          await slots.acquire(ac.signal);
          try {
            staging = await this.tempDir('layer');
            res = await this.stageStream(desc, i, staging, opts, ac.signal);
          } finally {
            slots.release();
          }
          await prev;
          if (ac.signal.aborted) throw ac.signal.reason;
          await this.commitStaged(chainId, diffIds[i]!, parents, desc, staging, res);
        } finally {
          if (staging) await rm(staging, { recursive: true, force: true });
          this.inflight.delete(chainId);
          done();
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
   * One layer: blob from the store if present, else from the source. The unpack worker writes the blob to a temp
   * file and hashes it while it unpacks (the main thread only counts bytes); the blob is renamed into the store
   * only when its size and digest match the descriptor.
   */
  private async stageStream(desc: Descriptor, index: number, staging: string, opts: StreamingOptions, signal: AbortSignal): Promise<UnpackResult> {
    if (await this.hasBlob(desc.digest)) return this.unpackChecked(createReadStream(this.blobPath(desc.digest)), staging, desc);
    const what = `layer ${desc.digest}`;
    const tmp = join(this.tmpDir, `blob-${randomBytes(8).toString('hex')}`);
    let size = 0;
    let mismatch: Error | undefined;
    const source = opts.source(desc, index, signal);
    async function* checked(): AsyncGenerator<Buffer> {
      for await (const chunk of source) {
        if (signal.aborted) throw signal.reason;
        size += chunk.length;
        if (size > desc.size) throw (mismatch = invalidArgument(`${what}: the registry sent more than the expected ${desc.size} bytes`));
        opts.onProgress?.(chunk.length);
        yield chunk;
      }
      if (signal.aborted) throw signal.reason;
      if (size !== desc.size) throw (mismatch = invalidArgument(`${what}: size mismatch: expected ${desc.size} bytes, received ${size}`));
    }
    try {
      const res = await this.unpackChecked(checked(), staging, desc, tmp, (blob) => {
        if (blob.size === desc.size && blob.digest !== desc.digest) mismatch = invalidArgument(`${what}: digest mismatch: content has ${blob.digest}`);
      });
      if (res.blob?.digest !== desc.digest) throw (mismatch = invalidArgument(`${what}: digest mismatch: content has ${res.blob?.digest}`));
      await rename(tmp, this.blobPath(desc.digest));
      return res;
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      if (mismatch) throw mismatch;
      if (signal.aborted) throw signal.reason;
      throw e;
    }
  }

  // ───────────────────────────── images ─────────────────────────────

  /**
   * Records an image whose blobs are in the store and whose layers are imported. Tags and digest references
   * held by other images move to this one; an existing record for the same ID gains the new names.
   */
  async commitImage(input: CommitInput): Promise<ImageRecord> {
    const id = sha256Digest(input.config);
    const config = parseImageConfig(input.config, `image config ${id}`);
    const chains = computeChainIds(config.diffIds);
    return this.mutex.run(async () => {
      for (const c of chains) if (!this.meta.layers[c]) throw internal(`layer ${c} of image ${id} is not imported`);
      const blobs = new Set<string>([id, ...input.layers.map((l) => l.digest), ...(input.extraBlobs ?? [])]);
      if (input.manifestDigest) blobs.add(input.manifestDigest);
      for (const b of blobs) if (!(await this.hasBlob(b))) throw internal(`blob ${b} of image ${id} is not in the store`);
      const tags = (input.repoTags ?? []).map(normaliseTag);
      const digests = (input.repoDigests ?? []).map(normaliseDigestRef);
      const existing = this.meta.images[id];
      const size = input.config.length + input.layers.reduce((n, l) => n + l.size, 0);
      const rec: ImageRecord = existing ?? {
        id, repoTags: [], repoDigests: [], size, pinned: false, config, layers: input.layers, diffIds: config.diffIds,
        chainIds: chains, blobs: [], createdAt: new Date().toISOString(), ...userOf(config.user),
      };
      if (input.manifestDigest && !rec.manifestDigest) rec.manifestDigest = input.manifestDigest;
      rec.blobs = [...new Set([...rec.blobs, ...blobs])].sort();
      for (const other of Object.values(this.meta.images)) {
        if (other.id === id) continue;
        other.repoTags = other.repoTags.filter((t) => !tags.includes(t));
        other.repoDigests = other.repoDigests.filter((d) => !digests.includes(d));
      }
      rec.repoTags = [...new Set([...rec.repoTags, ...tags])].sort();
      rec.repoDigests = [...new Set([...rec.repoDigests, ...digests])].sort();
      this.meta.images[id] = rec;
      await this.persist();
      return clone(rec);
    });
  }

  list(): ImageRecord[] {
    return Object.values(this.meta.images).map(clone).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  get(id: string): ImageRecord | undefined {
    const r = this.meta.images[id];
    return r ? clone(r) : undefined;
  }

  /**
   * Finds an image by: ID (`sha256:<hex>` or bare 64 hex), tag (normalised or familiar: `busybox` finds
   * docker.io/library/busybox:latest), digest reference (`repo@sha256:…`, also with a tag before the digest),
   * or unique ID prefix (with or without `sha256:`). Returns undefined when nothing matches; an ambiguous
   * prefix is an InvalidArgument error.
   */
  find(ref: string): ImageRecord | undefined {
    const r = this.findInternal(ref);
    return r ? clone(r) : undefined;
  }

  private findInternal(ref: string): ImageRecord | undefined {
    return findImage(this.meta.images, ref);
  }

  /** Removes the image with all its tags and digests. Unknown → no error. In use → FailedPrecondition. */
  async remove(ref: string): Promise<void> {
    await this.mutex.run(async () => {
      const img = this.findInternal(ref);
      if (!img) return;
      const users = Object.entries(this.meta.uses).filter(([, i]) => i === img!.id).map(([c]) => c);
      if (users.length) {
        throw failedPrecondition(`image ${img.id} is in use by container${users.length > 1 ? 's' : ''} ${users.sort().join(', ')}`);
      }
      delete this.meta.images[img.id];
      await this.persist();
      log.info('image removed', { id: img.id, tags: img.repoTags });
      await this.collect();
    });
  }

  /**
   * Marks the image as used by the container (in memory: the container's record, which names the image, is what
   * survives a restart). Under the mutex, so a remove() in progress either sees the use or has removed the image.
   */
  async acquire(imageId: string, containerId: string): Promise<void> {
    await this.mutex.run(async () => {
      if (!this.meta.images[imageId]) throw notFound(`image ${imageId} not found`);
      this.meta.uses[containerId] = imageId;
    });
  }

  /** Drops the container's use; unknown containers are ignored. */
  async release(containerId: string): Promise<void> {
    delete this.meta.uses[containerId];
  }

  /** The uses after a restart, from the container records (container ID → image ID); replaces what metadata.json held. */
  adoptUses(uses: Record<string, string>): void {
    this.meta.uses = { ...uses };
  }

  usersOf(imageId: string): string[] {
    return Object.entries(this.meta.uses).filter(([, i]) => i === imageId).map(([c]) => c).sort();
  }

  /** Read-only layer folders of the image, top-most first. */
  layerPaths(imageId: string): string[] {
    const img = this.meta.images[imageId];
    if (!img) throw notFound(`image ${imageId} not found`);
    return [...img.chainIds].reverse().map((c) => this.layerPath(c));
  }

  /** Used bytes/inodes: imported layers plus blobs. */
  async usage(): Promise<{ usedBytes: number; inodesUsed: number }> {
    let usedBytes = 0;
    let inodesUsed = 0;
    for (const l of Object.values(this.meta.layers)) { usedBytes += l.usedBytes; inodesUsed += l.inodesUsed; }
    for (const name of await readdir(this.blobsDir)) {
      const st = await stat(join(this.blobsDir, name)).catch(() => undefined);
      if (st?.isFile()) { usedBytes += st.size; inodesUsed += 1; }
    }
    return { usedBytes, inodesUsed };
  }

  /** Removes layers and blobs that no image, lease or running import references. */
  gc(): Promise<void> {
    return this.mutex.run(() => this.collect());
  }

  /** Garbage collection; run from inside the mutex. */
  private async collect(): Promise<void> {
    const chains = new Set<string>();
    const blobs = new Set<string>();
    for (const img of Object.values(this.meta.images)) {
      for (const c of img.chainIds) chains.add(c);
      for (const b of img.blobs) blobs.add(b);
    }
    for (const l of this.leases) {
      for (const c of l.chains) chains.add(c);
      for (const b of l.blobs) blobs.add(b);
    }
    for (const c of this.inflight.keys()) chains.add(c);
    let changed = false;
    // Top-most layers first, so a parent is never destroyed before its children.
    const dead = Object.values(this.meta.layers).filter((l) => !chains.has(l.chainId));
    const depth = (l: LayerMeta): number => (l.parent && this.meta.layers[l.parent] ? 1 + depth(this.meta.layers[l.parent]!) : 0);
    dead.sort((a, b) => depth(b) - depth(a));
    for (const l of dead) {
      try {
        await this.storage.destroyLayer(this.layerPath(l.chainId));
        delete this.meta.layers[l.chainId];
        changed = true;
        log.info('layer collected', { chainId: l.chainId });
      } catch (e) {
        log.warn('could not destroy unreferenced layer; will retry later', { chainId: l.chainId, err: errorMessage(e) });
      }
    }
    if (changed) await this.persist();
    for (const name of await readdir(this.blobsDir)) {
      if (!blobs.has(`sha256:${name}`)) await unlink(join(this.blobsDir, name)).catch(() => undefined);
    }
  }

  private async persist(): Promise<void> {
    await writeFileAtomic(this.metaPath, JSON.stringify(this.meta));
  }
}

function clone(r: ImageRecord): ImageRecord {
  return structuredClone(r);
}

