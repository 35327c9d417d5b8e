/**
 * Plans of an OCI image layout (`oci-layout`, `index.json`, `blobs/sha256/…`, as `skopeo copy … oci-archive:`
 * writes it): each entry of index.json, followed through nested indexes to the manifest this host runs
 * (import-platform.ts), every blob it names read and checked against its digest and size.
 */
import { sha256Digest } from './digest.js';
import { parseManifestOrIndex, parseImageConfig, parseJson, MT, type Descriptor, type Manifest } from './oci.js';
import { parseReference, withDefaultTag, repositoryOf, formatReference } from './reference.js';
import { errorMessage } from '../errors.js';
import { refuse, type Extracted } from './import-archive.js';
import { checkConfigPlatform, selectManifest, type HostPlatform } from './import-platform.js';
import { blobFile, tagOf, type Plan } from './import-plan.js';

const ANN_REF_NAME = 'org.opencontainers.image.ref.name';
const ANN_CONTAINERD_NAME = 'io.containerd.image.name';

async function readBlobJson(x: Extracted, d: Descriptor, what: string): Promise<Buffer> {
  const file = blobFile(d.digest);
  if (!(await x.exists(file))) refuse(`${what} ${d.digest} is not in the archive`);
  const data = await x.read(file, what);
  const got = sha256Digest(data);
  if (got !== d.digest) refuse(`${what}: digest mismatch: expected ${d.digest}, content has ${got}`);
  if (data.length !== d.size) refuse(`${what} ${d.digest}: size mismatch: expected ${d.size} bytes, content has ${data.length}`);
  return data;
}

export async function planOci(x: Extracted, path: string, host: HostPlatform): Promise<Plan[]> {
  if (await x.exists('oci-layout')) {
    const layout = parseJson(await x.read('oci-layout', 'oci-layout file'), 'oci-layout') as { imageLayoutVersion?: unknown };
    if (typeof layout?.imageLayoutVersion !== 'string' || !layout.imageLayoutVersion.startsWith('1.')) {
      refuse(`${path}: unsupported oci-layout version ${JSON.stringify(layout?.imageLayoutVersion)}`);
    }
  }
  const top = parseManifestOrIndex(await x.read('index.json', 'index.json'), 'index.json', MT.ociIndex);
  if (!('index' in top)) refuse(`${path}: index.json is not an image index`);
  const plans: Plan[] = [];
  for (const [i, desc] of top.index.manifests.entries()) {
    const names = namesOf(desc);
    const label = names[0] ?? `index.json manifests[${i}] (${desc.digest})`;
    const extra: Plan['extra'] = [];
    let current = desc;
    let manifest: Manifest | undefined;
    for (let depth = 0; depth < 8 && !manifest; depth++) {
      const data = await readBlobJson(x, current, depth === 0 ? `manifest of ${label}` : `nested manifest of ${label}`);
      const parsed = parseManifestOrIndex(data, `${label} ${current.digest}`, current.mediaType);
      if ('manifest' in parsed) { manifest = parsed.manifest; break; }
      extra.push({ file: blobFile(current.digest), digest: current.digest, size: current.size });
      current = selectManifest(host, parsed.index.manifests, label);
    }
    if (!manifest) refuse(`${label}: indexes nested too deeply`);
    const cfgData = await readBlobJson(x, manifest.config, `config of ${label}`);
    const configInfo = parseImageConfig(cfgData, `config of ${label}`);
    checkConfigPlatform(host, configInfo, label);
    for (const [li, l] of manifest.layers.entries()) {
      if (!(await x.exists(blobFile(l.digest)))) {
        const foreign = l.urls?.length ? ` (a non-distributable layer to be fetched from ${l.urls[0]}; copy the image with foreign layers included)` : '';
        refuse(`${label}: layer ${li} ${l.digest} is not in the archive${foreign}`);
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
      refuse(`image name ${JSON.stringify(n)} in index.json: ${errorMessage(e)}`);
    }
  }
  return [...new Set(valid)];
}
