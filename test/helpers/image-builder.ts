/**
 * Builds synthetic Windows container images as archives the image importer reads: an OCI image-layout tar (as
 * `skopeo copy … oci-archive:` writes) or a `docker save` tar. Layers are gzip Windows layer tars (`Files/…`,
 * `Hives/`, pax MSWINDOWS.* / LIBARCHIVE.creationtime metadata), whiteouts as `.wh.` entries.
 */
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTar, type MemoryTarEntry } from '../../src/images/tar/write.js';

export type LayerSpec = Record<string, string | { content: string | Buffer; mode?: number } | { whiteout: true } | { symlink: string }>;

export interface ImageConfigSpec {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string>;
}

export interface ExtraPlatform { os: string; osVersion?: string; arch?: string }

export interface BuildOptions {
  /** Directory for the archive (default: a new temp directory the caller removes). */
  dir?: string;
  /** File name of the archive (default image-<n>.tar). */
  file?: string;
  name?: string;
  names?: string[];
  /** Windows build of the image (default 10.0.20348.1). */
  osVersion?: string;
  os?: string;
  arch?: string;
  /** Layers, base first; keys are paths under C:\ ("app/run.cmd"). */
  layers?: LayerSpec[];
  /** Raw layer tars (used instead of `layers`, e.g. hostile ones); gzip-compressed unless gzip === false. */
  rawLayers?: Buffer[];
  gzip?: boolean;
  config?: ImageConfigSpec;
  format: 'oci' | 'docker';
  /** OCI only: put the image into an index (manifest list) together with images for these platforms. */
  index?: ExtraPlatform[];
  /** OCI only: extra annotations on the index.json entry. */
  annotations?: Record<string, string>;
}

export interface BuiltImage {
  path: string;
  /** Image ID of the main image (config digest). */
  id: string;
  manifestDigest: string;
  /** Digest of the manifest list, when `index` was given. */
  indexDigest?: string;
  /** Digests of the layer blobs of the main image. */
  layerDigests: string[];
  /** Image IDs of the extra platform images, in `index` order. */
  extraIds: string[];
}

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const hex = (d: string) => d.slice(7);
const MTIME = 1_700_000_000;
/** A plausible self-relative security descriptor (O:BAG:SYD:(A;;FA;;;BA)), base64. */
const RAWSD = Buffer.from('0100048014000000240000000000000030000000010200000000000520000000200200000102000000000005200000002002000002001c000100000000001400ff011f000102000000000005200000002002000000', 'hex').toString('base64');
const WIN_FILE = { 'MSWINDOWS.fileattr': '32', 'MSWINDOWS.rawsd': RAWSD, 'LIBARCHIVE.creationtime': `${MTIME}.5` };
const WIN_DIR = { 'MSWINDOWS.fileattr': '16', 'MSWINDOWS.rawsd': RAWSD, 'LIBARCHIVE.creationtime': `${MTIME}` };

/** A Windows layer tar (uncompressed) from a layer spec. */
export function buildLayerTar(spec: LayerSpec): Buffer {
  return buildTar(layerEntries(spec));
}

/** The tar entries of a layer (Files/, Hives/ and the spec's files under Files/). */
export function layerEntries(spec: LayerSpec): MemoryTarEntry[] {
  const entries: MemoryTarEntry[] = [
    { name: 'Files', type: 'dir', mtime: MTIME, pax: WIN_DIR },
    { name: 'Hives', type: 'dir', mtime: MTIME, pax: WIN_DIR },
  ];
  const dirs = new Set<string>();
  for (const [path, v] of Object.entries(spec)) {
    const rel = path.replace(/\\/g, '/').replace(/^\/+/, '');
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = `Files/${parts.slice(0, i).join('/')}`;
      if (!dirs.has(d)) { dirs.add(d); entries.push({ name: d, type: 'dir', mtime: MTIME, pax: WIN_DIR }); }
    }
    if (typeof v === 'string') entries.push({ name: `Files/${rel}`, data: v, mtime: MTIME, pax: WIN_FILE });
    else if ('whiteout' in v) entries.push({ name: `Files/${[...parts.slice(0, -1), `.wh.${parts[parts.length - 1]}`].join('/')}`, data: '', mtime: MTIME });
    else if ('symlink' in v) entries.push({ name: `Files/${rel}`, type: 'symlink', linkname: v.symlink, mtime: MTIME, pax: WIN_FILE });
    else entries.push({ name: `Files/${rel}`, data: v.content, mode: v.mode, mtime: MTIME, pax: WIN_FILE });
  }
  return entries;
}

interface BlobOut { digest: string; size: number; data: Buffer }
const blob = (data: Buffer | string): BlobOut => {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return { digest: sha(b), size: b.length, data: b };
};

function makeImage(opts: { os: string; osVersion?: string; arch: string; layerTars: Buffer[]; gzip: boolean; config?: ImageConfigSpec; oci: boolean }) {
  const layers = opts.layerTars.map((t) => ({ tar: t, blob: blob(opts.gzip ? gzipSync(t, { level: 1 }) : t) }));
  const config = {
    architecture: opts.arch, os: opts.os, ...(opts.osVersion ? { 'os.version': opts.osVersion } : {}),
    created: '2024-01-01T00:00:00Z',
    config: { ...(opts.config ?? {}) },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => sha(l.tar)) },
    history: layers.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'image-builder' })),
  };
  const cfg = blob(JSON.stringify(config));
  const layerType = opts.oci
    ? (opts.gzip ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar')
    : 'application/vnd.docker.image.rootfs.diff.tar.gzip';
  const manifest = {
    schemaVersion: 2,
    mediaType: opts.oci ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: opts.oci ? 'application/vnd.oci.image.config.v1+json' : 'application/vnd.docker.container.image.v1+json', digest: cfg.digest, size: cfg.size },
    layers: layers.map((l) => ({ mediaType: layerType, digest: l.blob.digest, size: l.blob.size })),
  };
  return { cfg, layers, manifest: blob(JSON.stringify(manifest)) };
}

let counter = 0;

/** Builds the archive and returns its path. */
export async function buildWindowsImage(opts: BuildOptions): Promise<string> {
  return (await buildWindowsImageDetailed(opts)).path;
}

export async function buildWindowsImageDetailed(opts: BuildOptions): Promise<BuiltImage> {
  const names = opts.names ?? (opts.name ? [opts.name] : []);
  const gzip = opts.gzip ?? true;
  const arch = opts.arch ?? 'amd64';
  const osVersion = opts.osVersion ?? '10.0.20348.1';
  const layerTars = opts.rawLayers ?? (opts.layers ?? [{ 'app/hello.txt': 'hello\n' }]).map(buildLayerTar);
  const oci = opts.format === 'oci';
  const main = makeImage({ os: opts.os ?? 'windows', osVersion, arch, layerTars, gzip, config: opts.config, oci });
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'wincri-img-')));
  const path = join(dir, opts.file ?? `image-${process.pid}-${++counter}.tar`);
  const entries: MemoryTarEntry[] = [];
  const blobs = new Map<string, Buffer>();
  const add = (b: BlobOut) => blobs.set(b.digest, b.data);
  add(main.cfg); add(main.manifest);
  for (const l of main.layers) add(l.blob);
  const out: BuiltImage = { path, id: main.cfg.digest, manifestDigest: main.manifest.digest, layerDigests: main.layers.map((l) => l.blob.digest), extraIds: [] };

  if (oci) {
    let top: { mediaType: string; digest: string; size: number };
    if (opts.index) {
      const platforms = [{ os: opts.os ?? 'windows', osVersion, arch, img: main }];
      for (const [i, p] of opts.index.entries()) {
        const img = makeImage({
          os: p.os, osVersion: p.osVersion, arch: p.arch ?? arch, gzip, config: opts.config, oci,
          layerTars: [buildLayerTar({ [`platform-${i}.txt`]: `${p.os} ${p.osVersion ?? ''}\n` })],
        });
        add(img.cfg); add(img.manifest);
        for (const l of img.layers) add(l.blob);
        out.extraIds.push(img.cfg.digest);
        platforms.push({ os: p.os, osVersion: p.osVersion ?? '', arch: p.arch ?? arch, img });
      }
      const index = {
        schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: platforms.map((p) => ({
          mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: p.img.manifest.digest, size: p.img.manifest.size,
          platform: { architecture: p.arch, os: p.os, ...(p.osVersion ? { 'os.version': p.osVersion } : {}) },
        })),
      };
      const ib = blob(JSON.stringify(index));
      add(ib);
      out.indexDigest = ib.digest;
      top = { mediaType: 'application/vnd.oci.image.index.v1+json', digest: ib.digest, size: ib.size };
    } else {
      top = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: main.manifest.digest, size: main.manifest.size };
    }
    const refs = names.length ? names : [undefined];
    const indexJson = {
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: refs.map((n) => ({
        ...top,
        ...(n || opts.annotations ? { annotations: { ...(n ? { 'org.opencontainers.image.ref.name': n } : {}), ...(opts.annotations ?? {}) } } : {}),
      })),
    };
    entries.push({ name: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) });
    entries.push({ name: 'blobs', type: 'dir' }, { name: 'blobs/sha256', type: 'dir' });
    for (const [d, data] of blobs) entries.push({ name: `blobs/sha256/${hex(d)}`, data });
    entries.push({ name: 'index.json', data: JSON.stringify(indexJson) });
  } else {
    if (opts.index) throw new Error('docker save archives have no index; use format "oci"');
    // docker save (pre-25) layout: <config hex>.json, <layer id>/layer.tar (uncompressed), manifest.json, repositories
    const layerDirs = main.layers.map((l, i) => hex(sha(`${main.cfg.digest} ${i}`)));
    for (const [i, l] of main.layers.entries()) {
      entries.push({ name: `${layerDirs[i]}/`, type: 'dir' });
      entries.push({ name: `${layerDirs[i]}/VERSION`, data: '1.0' });
      entries.push({ name: `${layerDirs[i]}/layer.tar`, data: l.tar });
    }
    entries.push({ name: `${hex(main.cfg.digest)}.json`, data: main.cfg.data });
    entries.push({ name: 'manifest.json', data: JSON.stringify([{ Config: `${hex(main.cfg.digest)}.json`, RepoTags: names, Layers: layerDirs.map((d) => `${d}/layer.tar`) }]) });
    const repos: Record<string, Record<string, string>> = {};
    for (const n of names) {
      const i = n.lastIndexOf(':');
      const [repo, tag] = i > n.lastIndexOf('/') ? [n.slice(0, i), n.slice(i + 1)] : [n, 'latest'];
      (repos[repo] ??= {})[tag] = layerDirs[layerDirs.length - 1]!;
    }
    entries.push({ name: 'repositories', data: JSON.stringify(repos) });
    out.layerDigests = main.layers.map((l) => sha(l.tar));
  }
  await writeFile(path, buildTar(entries));
  return out;
}

/** gzip helper for tests building raw layers. */
export function gzipLayer(tar: Buffer): Buffer {
  return gzipSync(tar, { level: 1 });
}

/**
 * A base layer tar that also carries a utility VM (`UtilityVM/Files/…` with the boot manager), as Windows base
 * images do for Hyper-V isolation; `files` are under C:\ as in buildLayerTar.
 */
export function buildBaseLayerWithUtilityVm(files: LayerSpec): Buffer {
  const uvm: MemoryTarEntry[] = [];
  const path = ['UtilityVM', 'Files', 'EFI', 'Microsoft', 'Boot'];
  for (let i = 1; i <= path.length; i++) uvm.push({ name: path.slice(0, i).join('/'), type: 'dir', mtime: MTIME, pax: WIN_DIR });
  uvm.push({ name: `${path.join('/')}/bootmgfw.efi`, data: 'EFI boot manager (test)', mtime: MTIME, pax: WIN_FILE });
  uvm.push({ name: 'UtilityVM/SystemTemplate.vhdx', data: 'vhdx (test)', mtime: MTIME, pax: WIN_FILE });
  return buildTar([...layerEntries(files), ...uvm]);
}
