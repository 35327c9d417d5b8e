/** OCI / Docker image documents: media types, descriptor, manifest, index and config parsing with validation. */
import { isSha256Digest } from './digest.js';

export const MT = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondist: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  ociLayerNondistGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
} as const;

export const INDEX_TYPES: readonly string[] = [MT.ociIndex, MT.dockerList];
export const MANIFEST_TYPES: readonly string[] = [MT.ociManifest, MT.dockerManifest];
export const LAYER_TYPES: readonly string[] = [
  MT.ociLayer, MT.ociLayerGzip, MT.ociLayerNondist, MT.ociLayerNondistGzip, MT.dockerLayer, MT.dockerForeignLayer,
  'application/vnd.docker.image.rootfs.diff.tar',
];

export class ImageFormatError extends Error {
  constructor(message: string) { super(message); this.name = 'ImageFormatError'; }
}

export interface Platform { os: string; architecture: string; 'os.version'?: string; variant?: string; 'os.features'?: string[] }

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface Manifest { mediaType?: string; config: Descriptor; layers: Descriptor[] }
export interface Index { mediaType?: string; manifests: Descriptor[] }

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strArr = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

export function parseJson(data: Buffer | string, what: string): unknown {
  try { return JSON.parse(typeof data === 'string' ? data : data.toString('utf8')); } catch (e) {
    throw new ImageFormatError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

export function checkDescriptor(v: unknown, what: string): Descriptor {
  if (!isObj(v)) throw new ImageFormatError(`${what} is not an object`);
  if (typeof v.mediaType !== 'string' || v.mediaType === '') throw new ImageFormatError(`${what} has no mediaType`);
  if (!isSha256Digest(v.digest)) throw new ImageFormatError(`${what} has an invalid digest ${JSON.stringify(v.digest)} (sha256:<64 hex> expected)`);
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0) throw new ImageFormatError(`${what} has an invalid size`);
  const d: Descriptor = { mediaType: v.mediaType, digest: v.digest, size: v.size };
  if (v.platform !== undefined) {
    const p = v.platform;
    if (!isObj(p) || typeof p.os !== 'string' || typeof p.architecture !== 'string') throw new ImageFormatError(`${what} has an invalid platform`);
    d.platform = { os: p.os, architecture: p.architecture };
    if (typeof p['os.version'] === 'string') d.platform['os.version'] = p['os.version'];
    if (typeof p.variant === 'string') d.platform.variant = p.variant;
    if (strArr(p['os.features'])) d.platform['os.features'] = p['os.features'];
  }
  if (isObj(v.annotations)) {
    d.annotations = {};
    for (const [k, x] of Object.entries(v.annotations)) if (typeof x === 'string') d.annotations[k] = x;
  }
  if (strArr(v.urls)) d.urls = v.urls;
  return d;
}

/** Parses a manifest or an index (decided by mediaType, or by the fields present when mediaType is absent). */
export function parseManifestOrIndex(data: Buffer, what: string, descriptorType?: string): { index: Index } | { manifest: Manifest } {
  const v = parseJson(data, what);
  if (!isObj(v)) throw new ImageFormatError(`${what} is not a JSON object`);
  const mt = typeof v.mediaType === 'string' ? v.mediaType : descriptorType;
  const isIndex = mt !== undefined && INDEX_TYPES.includes(mt) ? true : mt !== undefined && MANIFEST_TYPES.includes(mt) ? false : Array.isArray(v.manifests);
  if (v.schemaVersion !== 2) throw new ImageFormatError(`${what} has schemaVersion ${JSON.stringify(v.schemaVersion)}; only 2 is supported`);
  if (isIndex) {
    if (!Array.isArray(v.manifests)) throw new ImageFormatError(`${what} (an index) has no manifests array`);
    const index: Index = { manifests: v.manifests.map((m, i) => checkDescriptor(m, `${what} manifests[${i}]`)) };
    if (mt) index.mediaType = mt;
    return { index };
  }
  if (mt !== undefined && !MANIFEST_TYPES.includes(mt)) throw new ImageFormatError(`${what} has unsupported media type ${mt}`);
  if (!Array.isArray(v.layers)) throw new ImageFormatError(`${what} (a manifest) has no layers array`);
  const manifest: Manifest = {
    config: checkDescriptor(v.config, `${what} config`),
    layers: v.layers.map((l, i) => checkDescriptor(l, `${what} layers[${i}]`)),
  };
  if (mt) manifest.mediaType = mt;
  for (const [i, l] of manifest.layers.entries()) {
    if (l.mediaType === MT.ociLayerZstd || l.mediaType.endsWith('+zstd')) throw new ImageFormatError(`${what} layers[${i}] is zstd-compressed, which wincri does not support`);
    if (!LAYER_TYPES.includes(l.mediaType)) throw new ImageFormatError(`${what} layers[${i}] has unsupported media type ${l.mediaType}`);
  }
  return { manifest };
}

/** The parts of the image config that the runtime and the CRI need. */
export interface ImageConfigInfo {
  os: string;
  osVersion?: string;
  osFeatures?: string[];
  architecture: string;
  variant?: string;
  user?: string;
  env?: string[];
  entrypoint?: string[];
  cmd?: string[];
  workingDir?: string;
  labels?: Record<string, string>;
  stopSignal?: string;
  exposedPorts?: string[];
  volumes?: string[];
  created?: string;
  /** rootfs.diff_ids, base first. */
  diffIds: string[];
}

export function parseImageConfig(data: Buffer, what = 'image config'): ImageConfigInfo {
  const v = parseJson(data, what);
  if (!isObj(v)) throw new ImageFormatError(`${what} is not a JSON object`);
  if (typeof v.os !== 'string' || v.os === '') throw new ImageFormatError(`${what} has no "os"`);
  if (typeof v.architecture !== 'string' || v.architecture === '') throw new ImageFormatError(`${what} has no "architecture"`);
  const rootfs = v.rootfs;
  if (!isObj(rootfs) || rootfs.type !== 'layers' || !Array.isArray(rootfs.diff_ids)) throw new ImageFormatError(`${what} has no rootfs of type "layers" with diff_ids`);
  const diffIds = rootfs.diff_ids.map((d, i) => {
    if (!isSha256Digest(d)) throw new ImageFormatError(`${what} rootfs.diff_ids[${i}] is not a sha256 digest`);
    return d;
  });
  const out: ImageConfigInfo = { os: v.os, architecture: v.architecture, diffIds };
  if (typeof v['os.version'] === 'string') out.osVersion = v['os.version'];
  if (strArr(v['os.features'])) out.osFeatures = v['os.features'];
  if (typeof v.variant === 'string') out.variant = v.variant;
  if (typeof v.created === 'string') out.created = v.created;
  const c = isObj(v.config) ? v.config : {};
  if (typeof c.User === 'string' && c.User !== '') out.user = c.User;
  if (strArr(c.Env)) out.env = c.Env;
  if (strArr(c.Entrypoint)) out.entrypoint = c.Entrypoint;
  if (strArr(c.Cmd)) out.cmd = c.Cmd;
  if (typeof c.WorkingDir === 'string' && c.WorkingDir !== '') out.workingDir = c.WorkingDir;
  if (typeof c.StopSignal === 'string' && c.StopSignal !== '') out.stopSignal = c.StopSignal;
  if (isObj(c.Labels)) {
    out.labels = {};
    for (const [k, x] of Object.entries(c.Labels)) if (typeof x === 'string') out.labels[k] = x;
  }
  if (isObj(c.ExposedPorts)) out.exposedPorts = Object.keys(c.ExposedPorts);
  if (isObj(c.Volumes)) out.volumes = Object.keys(c.Volumes);
  return out;
}

/** Canonical architecture names (GOARCH). */
export function normalizeArch(a: string): string {
  const x = a.toLowerCase();
  if (x === 'x86_64' || x === 'x86-64' || x === 'amd64') return 'amd64';
  if (x === 'aarch64' || x === 'arm64') return 'arm64';
  return x;
}

export function describePlatform(p: { os: string; architecture: string; variant?: string; 'os.version'?: string }): string {
  return `${p.os}/${p.architecture}${p.variant ? '/' + p.variant : ''}${p['os.version'] ? ' ' + p['os.version'] : ''}`;
}
