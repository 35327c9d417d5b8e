/**
 * Offline image import: an OCI image-layout tar (import-oci.ts) or a `docker save` tar (import-docker.ts),
 * optionally gzip-compressed. The archive is unpacked into the store's tmp/ folder (import-archive.ts), every image
 * it names is planned and checked first (platform: import-platform.ts, digests, sizes), and only then are blobs
 * moved into the store, layers imported and images recorded — so an archive with an unusable image changes nothing.
 *
 * Platform selection (indexes / manifest lists): `windows/<host arch>` whose os.version the host runs with
 * process isolation (platform/os-version.ts); highest version wins. Non-Windows images are refused.
 */
import { rm, stat, link, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, RuntimeError } from '../errors.js';
import { logger } from '../util/log.js';
import { isSha256Digest } from './digest.js';
import { ImageFormatError, type Descriptor } from './oci.js';
import type { ImageStore } from './store.js';
import type { Lease } from './store-model.js';
import { extractArchive, refuse, type Extracted } from './import-archive.js';
import type { HostPlatform } from './import-platform.js';
import type { Plan } from './import-plan.js';
import { planOci } from './import-oci.js';
import { planDocker } from './import-docker.js';

const log = logger('images/import');

export type { HostPlatform } from './import-platform.js';

export interface ImportedImage { id: string; names: string[] }

export class ArchiveImporter {
  constructor(private readonly store: ImageStore, private readonly host: HostPlatform) {}

  async importArchive(path: string): Promise<ImportedImage[]> {
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) refuse(`image archive ${path} does not exist or is not a file`);
    const dir = await this.store.tempDir('archive');
    const lease = this.store.lease();
    try {
      const x = await extractArchive(path, dir, Math.max(this.store.maxLayerBytes, st.size * 2));
      let plans: Plan[];
      try {
        if (await x.exists('index.json')) plans = await planOci(x, path, this.host);
        else if (await x.exists('manifest.json')) plans = await planDocker(x, path, this.host);
        else refuse(`${path} is neither an OCI image layout (no index.json) nor a docker save archive (no manifest.json)`);
      } catch (e) {
        if (e instanceof ImageFormatError) refuse(`${path}: ${e.message}`);
        throw e;
      }
      if (plans.length === 0) refuse(`${path} contains no images`);
      const out: ImportedImage[] = [];
      for (const plan of plans) out.push(await this.execute(x, plan, lease));
      // Several entries may name the same image: merge.
      const merged = new Map<string, ImportedImage>();
      for (const o of out) {
        const m = merged.get(o.id);
        if (m) m.names = [...new Set([...m.names, ...o.names])]; else merged.set(o.id, { ...o });
      }
      return [...merged.values()];
    } catch (e) {
      lease.release();
      await this.store.gc().catch((err) => log.warn('collecting after a failed import failed', { err: errorMessage(err) }));
      throw e;
    } finally {
      lease.release();
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async execute(x: Extracted, plan: Plan, lease: Lease): Promise<ImportedImage> {
    const s = this.store;
    const ingest = async (file: string, digest: string | undefined, size: number | undefined, what: string) => {
      if (digest && (await s.useExistingBlob(digest, lease))) return { digest, size: size ?? 0 };
      const p = x.path(file, what);
      // Copy rather than move: another plan or alias may use the same file.
      const tmp = join(s.tmpDir, `in-${Math.random().toString(16).slice(2)}`);
      await link(p, tmp).catch(() => copyFile(p, tmp));
      try {
        return await s.ingestFile(tmp, { digest, size }, lease, what);
      } finally {
        await rm(tmp, { force: true });
      }
    };
    const cfg = await ingest(plan.config.file, plan.config.digest, plan.config.size, 'image config');
    if (plan.manifest) await ingest(plan.manifest.file, plan.manifest.digest, plan.manifest.size, 'manifest');
    for (const e of plan.extra) await ingest(e.file, e.digest, e.size, 'index');
    const layers: Descriptor[] = [];
    for (const [i, l] of plan.layers.entries()) {
      const got = await ingest(l.file, isSha256Digest(l.desc.digest) ? l.desc.digest : undefined, l.desc.size >= 0 ? l.desc.size : undefined, `layer ${i} (${l.file})`);
      layers.push({ ...l.desc, digest: got.digest, size: got.size });
    }
    await s.ensureLayers(layers, plan.configInfo.diffIds, lease);
    const rec = await s.commitImage({
      config: plan.configData, layers, manifestDigest: plan.manifest?.digest, extraBlobs: plan.extra.map((e) => e.digest),
      repoTags: plan.names, repoDigests: plan.repoDigests,
    });
    log.info('image imported', { id: rec.id, names: plan.names });
    if (cfg.digest !== rec.id) throw new RuntimeError('Internal', `config digest ${cfg.digest} != image id ${rec.id}`);
    return { id: rec.id, names: plan.names };
  }
}
