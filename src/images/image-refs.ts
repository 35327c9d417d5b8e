/** Looking an image up by the references people and kubelet use, and normalising the names an image carries. */
import { invalidArgument } from '../errors.js';
import type { ImageRecord } from './store-model.js';
import { parseReference, parseImageId, repositoryOf, withDefaultTag, tagString, digestString } from './reference.js';

/**
 * The image `ref` names: ID (`sha256:<hex>` or bare 64 hex), tag (normalised or familiar: `busybox` finds
 * docker.io/library/busybox:latest), digest reference (`repo@sha256:…`, also with a tag before the digest), or
 * unique ID prefix (with or without `sha256:`). Undefined when nothing matches; an ambiguous prefix is an
 * InvalidArgument error.
 */
export function findImage(images: Record<string, ImageRecord>, ref: string): ImageRecord | undefined {
  if (ref === '') throw invalidArgument('image reference is empty');
  const id = parseImageId(ref);
  if (id) return images[id];
  let named: ReturnType<typeof parseReference> | undefined;
  try { named = parseReference(ref); } catch { named = undefined; }
  if (named) {
    const all = Object.values(images);
    if (named.digest !== undefined) {
      const d = digestString(named)!;
      const hit = all.find((i) => i.repoDigests.includes(d));
      if (hit) return hit;
      // repo@<image id> also names the image (containerd accepts the config digest there)
      const byId = images[named.digest];
      if (byId && (byId.repoTags.some((t) => t.startsWith(repositoryOf(named!) + ':')) || byId.repoDigests.some((x) => x.startsWith(repositoryOf(named!) + '@')))) return byId;
    } else {
      const t = tagString(withDefaultTag(named))!;
      const hit = all.find((i) => i.repoTags.includes(t));
      if (hit) return hit;
    }
  }
  const m = /^(?:sha256:)?([a-f0-9]{1,64})$/.exec(ref);
  if (m) {
    const hits = Object.keys(images).filter((k) => k.startsWith(`sha256:${m[1]}`));
    if (hits.length === 1) return images[hits[0]!];
    if (hits.length > 1) throw invalidArgument(`image ID prefix "${ref}" is ambiguous: it matches ${hits.length} images`);
  }
  return undefined;
}

export function normaliseTag(t: string): string {
  const r = parseReference(t);
  if (r.digest !== undefined) throw invalidArgument(`"${t}" is a digest reference, not a tag`);
  return tagString(withDefaultTag(r))!;
}

export function normaliseDigestRef(d: string): string {
  const r = parseReference(d);
  if (r.digest === undefined) throw invalidArgument(`"${d}" is not a digest reference (repo@sha256:…)`);
  return digestString(r)!;
}

