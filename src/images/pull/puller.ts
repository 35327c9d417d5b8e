/**
 * Image pull: reference → endpoints (mirrors, then host) → manifest or index → platform selection for this
 * Windows host (resolve.ts) → config → layers streamed into the store (download ‖ sha256 ‖ gunzip ‖ diff-ID hash ‖ unpack,
 * several layers at once, each fetched by its unpack worker; store.ensureLayersStreaming) → image recorded under the name that was asked for.
 *
 * Identical pulls (same image name, isolation, endpoints and credentials: job-key.ts) running at the same time share one job; the job
 * is cancelled only when every caller waiting for it has gone. Layers shared between different images are
 * fetched once (the store's per-chain in-flight table).
 */
import { Semaphore } from '../../util/semaphore.js';
import { logger } from '../../util/log.js';
import { holdIdleGc } from '../../util/idle-gc.js';
import { type RuntimeError, invalidArgument, failedPrecondition, errorMessage } from '../../errors.js';
import type { ImageStore } from '../store.js';
import type { ImageRecord } from '../store-model.js';
import type { HostPlatform } from '../import.js';
import { parseImageConfig, describePlatform } from '../oci.js';
import { FOREIGN_TYPES } from './layer-source.js';
import { platformMatches, hostText, type Isolation } from './platform-select.js';
import { resolveManifest } from './resolve.js';

import { parseReference, withDefaultTag, tagString, repositoryOf, formatReference, type ImageReference } from '../reference.js';
import type { Credentials } from './auth.js';
import type { Endpoint } from './endpoints.js';
import { pullJobKey } from './job-key.js';
import { RegistryClient } from './registry.js';
import { cancelledError, toDomainError } from './errors.js';
import type { PullObserver } from './observer.js';
import { PullProgress, type PullSnapshot } from './progress.js';

export { selectManifest, type Isolation } from './platform-select.js';

const log = logger('images/pull');

export interface PullOptions {
  auth?: Credentials;
  /** AuthConfig.server_address: the registry the credentials are for. */
  serverAddress?: string;
  signal?: AbortSignal;
  /** Hyper-V isolation runs older builds too (same major.minor, build not above the host's). */
  isolation?: Isolation;
  /** Progress snapshots (per layer) every `progressEveryMs` (default 500) and when a layer completes. */
  onProgress?: (s: PullSnapshot) => void;
  progressEveryMs?: number;
}

export interface PullerOptions {
  store: ImageStore;
  client: RegistryClient;
  host: HostPlatform;
  concurrency: number;
  /** Pulls running at the same time (joiners of a running pull do not count); more wait (default unbounded). */
  maxPulls?: number;
  /** The semaphore bounding pulls, when shared with others (its metrics); replaces maxPulls. */
  slots?: Semaphore;
  allowForeignLayers: boolean;
  observer?: PullObserver;
  /** Interval of `pull progress` log lines for long pulls; 0 disables them (default 5000 ms). */
  progressIntervalMs?: number;
}

export interface PullResult { image: ImageRecord; bytes: number; seconds: number }

interface SharedJob { promise: Promise<PullResult>; controller: AbortController; waiters: number; progress: PullProgress }

export class Puller {
  private readonly jobs = new Map<string, SharedJob>();

  private readonly slots: Semaphore;
  constructor(private readonly o: PullerOptions) { this.slots = o.slots ?? new Semaphore(o.maxPulls ?? Infinity); }

  /** Pulls running now (for tests and metrics). */
  get running(): number { return this.slots.inFlight; }

  /** Pulls `ref` (as kubelet writes it) and returns the recorded image. */
  async pull(ref: string, opts: PullOptions = {}): Promise<PullResult> {
    const parsed = parseReference(ref);
    const isolation = opts.isolation ?? 'process';
    // The key reads no TLS file (a joiner needs none); the job reads them (readEndpoints).
    const key = pullJobKey(formatReference(withDefaultTag(parsed)), isolation, this.o.client.endpointPlan(parsed.domain, opts.auth, opts.serverAddress));
    const readEndpoints = () => this.o.client.endpoints(parsed.domain, opts.auth, opts.serverAddress);
    let job = this.jobs.get(key);
    // A job whose every waiter left was aborted: it is only cleaning up and would reject a newcomer with
    // "cancelled", so a new pull starts instead (the store lets the two share layer work safely).
    if (job?.controller.signal.aborted) job = undefined;
    if (!job) {
      const controller = new AbortController();
      const progress = new PullProgress(log, formatReference(withDefaultTag(parsed)), this.o.progressIntervalMs ?? 5000);
      const j: SharedJob = { controller, waiters: 0, promise: undefined as never, progress };
      j.promise = this.observed(this.slots.run(() => this.run(parsed, readEndpoints, isolation, controller.signal, progress))).finally(() => { if (this.jobs.get(key) === j) this.jobs.delete(key); });
      j.promise.catch(() => undefined);
      this.jobs.set(key, j);
      job = j;
    } else {
      log.info('joining a pull already in progress', { ref });
      this.o.observer?.joined?.();
    }
    const j = job;
    j.waiters++;
    const unsubscribe = opts.onProgress ? j.progress.subscribe(opts.onProgress, opts.progressEveryMs ?? 500) : () => undefined;
    const signal = opts.signal;
    if (!signal) return j.promise.finally(() => { j.waiters--; unsubscribe(); });
    return new Promise<PullResult>((resolve, reject) => {
      let settled = false;
      const leave = () => {
        if (settled) return;
        settled = true;
        j.waiters--;
        unsubscribe();
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        leave();
        if (j.waiters === 0) {
          if (this.jobs.get(key) === j) this.jobs.delete(key);
          j.controller.abort(signal.reason);
        }
        reject(cancelledError(signal));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      j.promise.then((r) => { if (!settled) { leave(); resolve(r); } }, (e) => { if (!settled) { leave(); reject(e); } });
    });
  }

  private async observed(p: Promise<PullResult>): Promise<PullResult> {
    const obs = this.o.observer;
    const started = performance.now();
    obs?.started?.();
    // A pull is work for its whole length: the idle collection (idle-gc.ts) would otherwise find no RPC for a
    // second and run a compacting full GC of the daemon's heap in the middle of it (180 ms seen in a profile).
    const release = holdIdleGc();
    try {
      const r = await p;
      obs?.finished?.((performance.now() - started) / 1000);
      return r;
    } catch (e) {
      obs?.finished?.((performance.now() - started) / 1000, (e as RuntimeError).kind ?? 'Internal');
      throw e;
    } finally {
      release();
    }
  }

  private async run(ref: ImageReference, endpoints: () => Endpoint[], isolation: Isolation, signal: AbortSignal, progress: PullProgress): Promise<PullResult> {
    const started = performance.now();
    // Unreadable TLS material of a configured registry fails the pull, counted by the observer like any other failure.
    const eps = endpoints();
    const named = withDefaultTag(ref);
    const label = formatReference(named);
    const repo = ref.path;
    const reference = ref.digest ?? named.tag!;
    log.info('pulling image', { ref: label, endpoints: eps.map((e) => e.base) });

    const { at, topDigest, indexBlobs, manifest, manifestData, manifestDigest } = await resolveManifest({
      client: this.o.client, host: this.o.host, isolation, eps, repo, reference, label, signal,
    });

    // Config: platform check, diff IDs.
    let configData: Buffer;
    try {
      configData = await this.o.client.smallBlob(at, repo, manifest.config.digest, manifest.config.size, signal);
    } catch (e) {
      if (signal.aborted) throw cancelledError(signal);
      throw toDomainError(e, `pulling the config of ${label}`);
    }
    let config;
    try { config = parseImageConfig(configData, `config of ${label}`); } catch (e) { throw invalidArgument(errorMessage(e)); }
    if (config.os !== 'windows') {
      throw failedPrecondition(`${label} is a ${describePlatform({ os: config.os, architecture: config.architecture })} image; wincri runs Windows images only (host ${hostText(this.o.host)})`);
    }
    const cp = { os: config.os, architecture: config.architecture, 'os.version': config.osVersion };
    if (!platformMatches(this.o.host, cp, isolation)) {
      throw failedPrecondition(`${label} (${describePlatform(cp)}) cannot run on this host (${hostText(this.o.host)}, ${isolation} isolation); offered builds: ${config.osVersion ?? 'unknown'}`);
    }
    for (const [i, l] of manifest.layers.entries()) {
      if (FOREIGN_TYPES.includes(l.mediaType) && l.urls?.length && !this.o.allowForeignLayers) {
        log.info('foreign layer URLs ignored (images.allowForeignLayers is false); fetching from the registry', { layer: i, digest: l.digest });
      }
    }

    const store = this.o.store;
    const lease = store.lease();
    let bytes = 0;
    let ok = false;
    progress.begin(manifest.layers);
    try {
      for (const ib of indexBlobs) await store.ingestBuffer(ib.data, { digest: ib.digest }, lease, 'index');
      await store.ingestBuffer(manifestData, { digest: manifestDigest }, lease, 'manifest');
      await store.ingestBuffer(configData, { digest: manifest.config.digest, size: manifest.config.size }, lease, 'image config');
      // What every layer's worker is told about the endpoints: computed once per pull (no credential in it).
      const reached = eps.map((e) => this.o.client.asReached(e));
      const first = eps.indexOf(at);
      await store.ensureLayersStreaming(manifest.layers, config.diffIds, lease, {
        concurrency: this.o.concurrency, signal,
        // The unpack worker fetches each layer itself (remote-layer.ts); this thread answers its auth requests.
        remote: (desc, i) => ({
          spec: { eps: reached, first, repo, desc, allowForeignLayers: this.o.allowForeignLayers, client: this.o.client.settings },
          auth: this.o.client.auth, eps, onBytes: (n) => progress.layerBytes(i, n),
        }),
        onProgress: (n) => { bytes += n; this.o.observer?.bytes?.(n); },
        onLayerDone: (i) => progress.layerDone(i),
      });
      const image = await store.commitImage({
        config: configData, layers: manifest.layers, manifestDigest, extraBlobs: indexBlobs.map((b) => b.digest),
        repoTags: ref.digest === undefined ? [tagString(named)!] : [],
        repoDigests: [`${repositoryOf(ref)}@${topDigest}`],
      });
      ok = true;
      const seconds = (performance.now() - started) / 1000;
      log.info('image pulled', { ref: label, id: image.id, from: at.base, bytes, seconds: seconds.toFixed(2), mbps: (bytes / 1e6 / seconds).toFixed(1) });
      return { image, bytes, seconds };
    } catch (e) {
      if (signal.aborted) throw cancelledError(signal);
      throw toDomainError(e, `pulling ${label}`);
    } finally {
      progress.stop();
      lease.release();
      if (!ok) await store.gc().catch((err) => log.warn('collecting after a failed pull failed', { err: errorMessage(err) }));
    }
  }
}
