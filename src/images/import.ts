/**
 * Offline image import: an OCI image-layout tar (`oci-layout`, `index.json`, `blobs/sha256/…`, as
 * `skopeo copy … oci-archive:` writes it) or a `docker save` tar (`manifest.json`, `repositories`), optionally
 * gzip-compressed. The archive is unpacked into the store's tmp/ folder, every image it names is planned and
 * checked first (platform, digests, sizes), and only then are blobs moved into the store, layers imported and
 * images recorded — so an archive with an unusable image changes nothing.
 *
 * Platform selection (indexes / manifest lists): `windows/<host arch>` whose os.version the host runs with
 * process isolation (platform/os-version.ts); highest version wins. Non-Windows images are refused.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, rm, stat, readFile, link, copyFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { invalidArgument, errorMessage, RuntimeError } from '../errors.js';
import { logger } from '../util/log.js';
import { readTar } from './tar/read.js';
import { TarFormatError } from './tar/format.js';
import { isSha256Digest, hexOf, sha256Digest } from './digest.js';
import {
  parseManifestOrIndex, parseImageConfig, parseJson, describePlatform, normalizeArch, ImageFormatError, INDEX_TYPES, MT,
  type Descriptor, type Manifest, type ImageConfigInfo,
} from './oci.js';
import { parseOsVersion, osVersionCompatible, compareOsVersion } from '../platform/os-version.js';
import { isWindowsRooted } from '../platform/path-syntax.js';
import { parseReference, withDefaultTag, tagString, repositoryOf, formatReference } from './reference.js';
import type { ImageStore } from './store.js';
import type { Lease } from './store-model.js';

const log = logger('images/import');

export interface HostPlatform { osVersion: string; architecture: string }

export interface ImportedImage { id: string; names: string[] }

/** One image to import. */
interface Plan {
  names: string[];
  repoDigests: string[];
  /** archive-relative file → expected digest/size (undefined digest: compute) */
  config: { file: string; digest?: string; size?: number };
  layers: { file: string; desc: Descriptor }[];
  manifest?: { file: string; digest: string; size: number };
  extra: { file: string; digest: string; size: number }[];
  configInfo: ImageConfigInfo;
  configData: Buffer;
}

const ANN_REF_NAME = 'org.opencontainers.image.ref.name';
const ANN_CONTAINERD_NAME = 'io.containerd.image.name';

function fail(msg: string): never {
  throw invalidArgument(msg);
}

/** Extracted archive: files under `dir`; symlinks/hard links recorded as aliases. */
class Extracted {
  readonly aliases = new Map<string, string>();
  constructor(readonly dir: string) {}

  resolve(rel: string, what: string): string {
    let p = normaliseArchivePath(rel, what);
    for (let i = 0; i < 16 && this.aliases.has(p); i++) p = this.aliases.get(p)!;
    return p;
  }

  path(rel: string, what: string): string {
    return join(this.dir, ...this.resolve(rel, what).split('/'));
  }

  async exists(rel: string): Promise<boolean> {
    try { return (await stat(this.path(rel, rel))).isFile(); } catch { return false; }
  }

  async read(rel: string, what: string, limit = 16 * 1024 * 1024): Promise<Buffer> {
    const p = this.path(rel, what);
    const st = await stat(p).catch(() => undefined);
    if (!st?.isFile()) fail(`the archive has no ${what} (${rel})`);
    if (st.size > limit) fail(`${what} (${rel}) is larger than ${limit} bytes`);
    return readFile(p);
  }
}

function normaliseArchivePath(name: string, what: string): string {
  if (name.includes('\\') || isWindowsRooted(name)) fail(`${what}: path ${JSON.stringify(name)} is not relative`);
  const n = posix.normalize(name.replace(/^\.\//, ''));
  if (n === '..' || n.startsWith('../') || n.split('/').includes('..')) fail(`${what}: path ${JSON.stringify(name)} leaves the archive`);
  return n.replace(/\/$/, '');
}

async function extractArchive(path: string, dir: string, maxBytes: number): Promise<Extracted> {
  const x = new Extracted(dir);
  try {
    for await (const e of readTar(createReadStream(path), { maxBytes })) {
      const rel = normaliseArchivePath(e.name, 'archive entry');
      if (rel === '.' || rel === '') continue;
      const target = join(dir, ...rel.split('/'));
      if (e.type === 'dir') { await mkdir(target, { recursive: true }); continue; }
      if (e.type === 'symlink') {
        x.aliases.set(rel, normaliseArchivePath(posix.join(posix.dirname(rel), e.linkname), `symlink ${rel}`));
        continue;
      }
      if (e.type === 'link') { x.aliases.set(rel, normaliseArchivePath(e.linkname, `hard link ${rel}`)); continue; }
      if (e.type !== 'file') continue; // device nodes etc. have no place in an image archive; ignored
      await mkdir(join(target, '..'), { recursive: true });
      const fh = await open(target, 'w', 0o600);
      try { for await (const b of e.body) await fh.write(b); } finally { await fh.close(); }
    }
  } catch (e) {
    if (e instanceof TarFormatError) fail(`${path} is not a valid tar archive: ${e.message}`);
    if ((e as NodeJS.ErrnoException).code?.startsWith?.('Z_')) fail(`${path}: corrupt gzip data (${errorMessage(e)})`);
    throw e;
  }
  return x;
}

function blobFile(digest: string): string {
  return `blobs/sha256/${hexOf(digest)}`;
}

function platformOk(host: HostPlatform, p: { os: string; architecture: string; 'os.version'?: string }): boolean {
  if (p.os !== 'windows') return false;
  if (normalizeArch(p.architecture) !== normalizeArch(host.architecture)) return false;
  const hv = parseOsVersion(host.osVersion);
  if (p['os.version'] === undefined) return true; // nothing to compare; HCS checks again at container start
  const iv = parseOsVersion(p['os.version']);
  return !!hv && !!iv && osVersionCompatible(hv, iv);
}

function hostText(host: HostPlatform): string {
  return `windows/${normalizeArch(host.architecture)}, OS build ${host.osVersion}`;
}

function checkConfigPlatform(host: HostPlatform, c: ImageConfigInfo, what: string): void {
  const p = { os: c.os, architecture: c.architecture, 'os.version': c.osVersion };
  if (c.os !== 'windows') fail(`${what} is a ${describePlatform({ os: c.os, architecture: c.architecture })} image; wincri runs Windows images only`);
  if (!platformOk(host, p)) {
    fail(`${what} (${describePlatform({ os: c.os, architecture: c.architecture, 'os.version': c.osVersion })}) cannot run on this host (${hostText(host)}); offered builds: ${c.osVersion ?? 'unknown'}`);
  }
}

export class ArchiveImporter {
  constructor(private readonly store: ImageStore, private readonly host: HostPlatform) {}

  async importArchive(path: string): Promise<ImportedImage[]> {
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) fail(`image archive ${path} does not exist or is not a file`);
    const dir = await this.store.tempDir('archive');
    const lease = this.store.lease();
    try {
      const x = await extractArchive(path, dir, Math.max(this.store.maxLayerBytes, st.size * 2));
      let plans: Plan[];
      try {
        if (await x.exists('index.json')) plans = await this.planOci(x, path);
        else if (await x.exists('manifest.json')) plans = await this.planDocker(x, path);
        else fail(`${path} is neither an OCI image layout (no index.json) nor a docker save archive (no manifest.json)`);
      } catch (e) {
        if (e instanceof ImageFormatError) fail(`${path}: ${e.message}`);
        throw e;
      }
      if (plans.length === 0) fail(`${path} contains no images`);
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

  // ───────────────────────────── OCI layout ─────────────────────────────

  private async readBlobJson(x: Extracted, d: Descriptor, what: string): Promise<Buffer> {
    const file = blobFile(d.digest);
    if (!(await x.exists(file))) fail(`${what} ${d.digest} is not in the archive`);
    const data = await x.read(file, what);
    const got = sha256Digest(data);
    if (got !== d.digest) fail(`${what}: digest mismatch: expected ${d.digest}, content has ${got}`);
    if (data.length !== d.size) fail(`${what} ${d.digest}: size mismatch: expected ${d.size} bytes, content has ${data.length}`);
    return data;
  }

  private async planOci(x: Extracted, path: string): Promise<Plan[]> {
    if (await x.exists('oci-layout')) {
      const layout = parseJson(await x.read('oci-layout', 'oci-layout file'), 'oci-layout') as { imageLayoutVersion?: unknown };
      if (typeof layout?.imageLayoutVersion !== 'string' || !layout.imageLayoutVersion.startsWith('1.')) {
        fail(`${path}: unsupported oci-layout version ${JSON.stringify(layout?.imageLayoutVersion)}`);
      }
    }
    const top = parseManifestOrIndex(await x.read('index.json', 'index.json'), 'index.json', MT.ociIndex);
    if (!('index' in top)) fail(`${path}: index.json is not an image index`);
    const plans: Plan[] = [];
    for (const [i, desc] of top.index.manifests.entries()) {
      const names = namesOf(desc);
      const label = names[0] ?? `index.json manifests[${i}] (${desc.digest})`;
      const extra: Plan['extra'] = [];
      let current = desc;
      let manifest: Manifest | undefined;
      for (let depth = 0; depth < 8 && !manifest; depth++) {
        const data = await this.readBlobJson(x, current, depth === 0 ? `manifest of ${label}` : `nested manifest of ${label}`);
        const parsed = parseManifestOrIndex(data, `${label} ${current.digest}`, current.mediaType);
        if ('manifest' in parsed) { manifest = parsed.manifest; break; }
        extra.push({ file: blobFile(current.digest), digest: current.digest, size: current.size });
        current = this.select(parsed.index.manifests, label);
      }
      if (!manifest) fail(`${label}: indexes nested too deeply`);
      const cfgData = await this.readBlobJson(x, manifest.config, `config of ${label}`);
      const configInfo = parseImageConfig(cfgData, `config of ${label}`);
      checkConfigPlatform(this.host, configInfo, label);
      for (const [li, l] of manifest.layers.entries()) {
        if (!(await x.exists(blobFile(l.digest)))) {
          const foreign = l.urls?.length ? ` (a non-distributable layer to be fetched from ${l.urls[0]}; copy the image with foreign layers included)` : '';
          fail(`${label}: layer ${li} ${l.digest} is not in the archive${foreign}`);
        }
      }
      const tags = names.map((n) => tagOf(n)).filter((t): t is string => t !== undefined);
      plans.push({
        names: tags,
        repoDigests: [...new Set(names.map((n) => `${repositoryOf(parseReference(n))}@${desc.digest}`))],
        config: { file: blobFile(manifest.config.digest), digest: manifest.config.digest, size: manifest.config.size },
        layers: manifest.layers.map((l) => ({ file: blobFile(l.digest), desc: l })),
        manifest: { file: blobFile(current.digest), digest: current.digest, size: current.size },
        extra, configInfo, configData: cfgData,
      });
    }
    return plans;
  }

  /** Picks the best Windows manifest for this host from an index, or fails listing what was offered. */
  private select(manifests: Descriptor[], label: string): Descriptor {
    const candidates = manifests.filter((m) => m.platform && !INDEX_TYPES.includes(m.mediaType) ? platformOk(this.host, m.platform) : false);
    const nested = manifests.filter((m) => INDEX_TYPES.includes(m.mediaType) && (!m.platform || platformOk(this.host, m.platform)));
    if (candidates.length === 0 && nested.length) return nested[0]!;
    if (candidates.length === 0) {
      const offered = manifests.filter((m) => m.platform).map((m) => describePlatform(m.platform!));
      fail(`${label}: no image matches this host (${hostText(this.host)}); offered: ${offered.length ? offered.join(', ') : 'no platforms'}`);
    }
    const v = (m: Descriptor) => parseOsVersion(m.platform!['os.version'] ?? '') ?? { major: 0, minor: 0, build: 0, revision: 0 };
    return [...candidates].sort((a, b) => compareOsVersion(v(b), v(a)))[0]!;
  }

  // ───────────────────────────── docker save ─────────────────────────────

  private async planDocker(x: Extracted, path: string): Promise<Plan[]> {
    const mf = parseJson(await x.read('manifest.json', 'manifest.json'), 'manifest.json');
    if (!Array.isArray(mf)) fail(`${path}: manifest.json is not an array`);
    let repositories: Record<string, Record<string, string>> | undefined;
    if (await x.exists('repositories')) {
      const r = parseJson(await x.read('repositories', 'repositories'), 'repositories');
      if (r && typeof r === 'object' && !Array.isArray(r)) repositories = r as Record<string, Record<string, string>>;
    }
    const plans: Plan[] = [];
    for (const [i, raw] of mf.entries()) {
      const e = raw as { Config?: unknown; RepoTags?: unknown; Layers?: unknown };
      if (typeof e?.Config !== 'string') fail(`${path}: manifest.json[${i}] has no Config`);
      if (!Array.isArray(e.Layers) || e.Layers.some((l) => typeof l !== 'string')) fail(`${path}: manifest.json[${i}] has no Layers list`);
      const layerFiles = e.Layers as string[];
      let names: string[] = Array.isArray(e.RepoTags) ? e.RepoTags.filter((t): t is string => typeof t === 'string') : [];
      if (names.length === 0 && repositories && layerFiles.length) {
        const top = posix.dirname(normaliseArchivePath(layerFiles[layerFiles.length - 1]!, 'layer'));
        for (const [repo, tags] of Object.entries(repositories)) {
          for (const [tag, id] of Object.entries(tags ?? {})) if (id === top) names.push(`${repo}:${tag}`);
        }
      }
      names = names.map((n) => tagOf(n) ?? fail(`${path}: manifest.json[${i}] RepoTags entry "${n}" is not a tag`));
      const cfgFile = e.Config;
      const cfgData = await x.read(cfgFile, `config of manifest.json[${i}]`);
      const cfgDigest = sha256Digest(cfgData);
      const m = /(?:^|\/)(?:sha256[:/])?([a-f0-9]{64})(?:\.json)?$/.exec(x.resolve(cfgFile, 'config'));
      if (m && `sha256:${m[1]}` !== cfgDigest) fail(`${path}: config ${cfgFile} does not match its name (content has ${cfgDigest})`);
      const label = names[0] ?? cfgDigest;
      const configInfo = parseImageConfig(cfgData, `config of ${label}`);
      checkConfigPlatform(this.host, configInfo, label);
      const layers: Plan['layers'] = [];
      for (const [li, lf] of layerFiles.entries()) {
        const p = x.path(lf, `layer ${li}`);
        const ls = await stat(p).catch(() => undefined);
        if (!ls?.isFile()) fail(`${path}: layer ${li} (${lf}) of ${label} is not in the archive`);
        const dm = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(x.resolve(lf, 'layer'));
        layers.push({ file: lf, desc: { mediaType: 'application/vnd.docker.image.rootfs.diff.tar', digest: dm ? `sha256:${dm[1]}` : '', size: ls.size } });
      }
      plans.push({
        names, repoDigests: [], config: { file: cfgFile, digest: cfgDigest, size: cfgData.length }, layers, extra: [], configInfo, configData: cfgData,
      });
    }
    return plans;
  }
}

/** Names an OCI index entry carries: io.containerd.image.name, and ref.name when it is a full reference. */
function namesOf(d: Descriptor): string[] {
  const out: string[] = [];
  const ctr = d.annotations?.[ANN_CONTAINERD_NAME];
  const ref = d.annotations?.[ANN_REF_NAME];
  if (ctr) out.push(ctr);
  // Docker 25+ puts only the tag into ref.name next to io.containerd.image.name; skip such bare tags.
  if (ref && (!ctr || /[/:@]/.test(ref))) out.push(ref);
  const valid: string[] = [];
  for (const n of out) {
    try { valid.push(formatReference(withDefaultTag(parseReference(n)))); } catch (e) {
      fail(`image name ${JSON.stringify(n)} in index.json: ${errorMessage(e)}`);
    }
  }
  return [...new Set(valid)];
}

function tagOf(n: string): string | undefined {
  const r = parseReference(n);
  if (r.tag === undefined && r.digest !== undefined) return undefined;
  return tagString(withDefaultTag({ ...r, digest: undefined } as typeof r));
}
